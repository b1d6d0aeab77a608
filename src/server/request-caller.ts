import type { FastifyRequest } from 'fastify';
import type { Caller } from './query-service.js';

/** Per-request authenticated caller, set by the auth hook (a WeakMap: no fastify decoration). */
export const callers = new WeakMap<FastifyRequest, Caller>();

/** The caller set by the auth hook; a route reached without one is a bug. */
export function callerOf(req: FastifyRequest): Caller {
  const c = callers.get(req);
  if (!c) throw new Error('route reached without authentication');
  return c;
}
