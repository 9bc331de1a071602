import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { RequestHandler } from 'express';
import { tracer } from '../../platform/tracing';
import { routeTemplateOf } from '../routes/define';

/**
 * A server span per request (named for the route template that answered, as the metrics are),
 * active while it is handled: a run it starts carries the trace into Temporal. No-op unless
 * tracing is on.
 */
export const traceRequests: RequestHandler = (req, res, next) => {
  const span = tracer().startSpan(`${req.method} request`, {
    kind: SpanKind.SERVER,
    attributes: { 'http.request.method': req.method },
  });
  res.once('close', () => {
    const route = routeTemplateOf(res);
    span.updateName(`${req.method} ${route}`);
    span.setAttributes({ 'http.route': route, 'http.response.status_code': res.statusCode });
    if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  });
  context.with(trace.setSpan(context.active(), span), next);
};
