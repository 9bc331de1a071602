// The Temporal contract: the one place where workflow types, ids, signals, queries, search
// attributes, payload types, failure types and activity options are defined. Pure (no Node
// built-ins, no I/O): imported by workflows, activities, the API and the worker alike. Nothing
// outside this folder spells a Temporal name as a string.
export * from './names';
export * from './payloads';
export * from './messages';
export * from './failures';
export * from './activity-options';
