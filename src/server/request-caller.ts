import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Caller } from './query-service.js';

/** Per-request authenticated caller, set by the auth hook (a WeakMap: no fastify decoration). */
export const callers = new WeakMap<FastifyRequest, Caller>();

/** The caller set by the auth hook; a route reached without one is a bug. */
export function callerOf(req: FastifyRequest): Caller {
  const c = callers.get(req);
  if (!c) throw new Error('route reached without authentication');
  return c;
}

/**
 * A signal that aborts when the request's client goes away before its answer is sent: the
 * request gives up its queue place and its statement is cancelled in the database.
 */
export function requestSignal(reply: FastifyReply): AbortSignal {
  const c = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) c.abort();
  });
  return c.signal;
}
