// `POST /v1/worker-genies {action, ...fields}`: the action names an endpoint of the table, and its
// fields (top level or under `data`, `data` winning) become that endpoint's input, so an action and
// its REST alias validate and behave alike.
import { ValidationError } from '../errors';
import type { Endpoint } from './define';
import { without, type RawInput } from './invoke';

/** Refuses fields an action does not take (a typo must never pass silently), naming each. */
function refuseUnknown(fields: Record<string, unknown>): void {
  const unknown = Object.keys(fields);
  if (unknown.length > 0) {
    throw new ValidationError(
      `Unknown field${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`,
      unknown.map((field) => ({ field, message: 'unknown field' }))
    );
  }
}

/**
 * An action's fields as its endpoint's raw input: the fields named for its path parameters are the
 * path, the rest its query or its body; an endpoint that takes neither takes no other field.
 */
export function actionInput(endpoint: Endpoint, fields: Record<string, unknown>): RawInput {
  const params = Object.fromEntries(
    Object.entries(endpoint.actionFields).map(([param, field]) => [param, fields[field]])
  );
  const rest = without(fields, Object.values(endpoint.actionFields));
  if (!endpoint.query && !endpoint.body) refuseUnknown(rest);
  return { params, query: endpoint.query ? rest : {}, body: endpoint.query ? {} : rest };
}

/** The actions of the table, by name, in the table's order. */
export class ActionTable {
  private readonly byName = new Map<string, Endpoint[]>();

  constructor(endpoints: readonly Endpoint[]) {
    for (const endpoint of endpoints) {
      if (endpoint.actions.length > 0 && endpoint.query && endpoint.body) {
        throw new Error(`${endpoint.actions.join('/')}: an action's fields are its query or its body, not both`);
      }
      for (const name of endpoint.actions) this.byName.set(name, [...(this.byName.get(name) ?? []), endpoint]);
    }
  }

  /** Every action name, in the table's order. */
  get names(): string[] {
    return [...this.byName.keys()];
  }

  /**
   * The endpoint `action` names for these fields: of the endpoints sharing the name (`runs`: every
   * run, or a genie's), the one with the most path parameters whose fields are all given. An
   * unknown name (whatever it is, `__proto__` included) is a 400 listing the valid ones.
   */
  resolve(action: string, fields: Record<string, unknown>): Endpoint {
    const candidates = this.byName.get(action);
    if (!candidates) {
      const names = this.names.join(', ');
      throw new ValidationError(`Unknown action "${action}"; valid actions: ${names}`, [
        { field: 'action', message: `must be one of ${names}` },
      ]);
    }
    const given = (endpoint: Endpoint) => Object.values(endpoint.actionFields).every((f) => fields[f] !== undefined);
    const width = (endpoint: Endpoint) => Object.keys(endpoint.params).length;
    const matching = candidates.filter(given).sort((a, b) => width(b) - width(a));
    return matching[0] ?? candidates[0]!;
  }
}
