import { z } from 'zod';
import type { Diagnostic, DiagnosticCode } from '../diagnostics/index.js';

export const FILTER_OPS = [
  'equals',
  'not_equals',
  'in',
  'not_in',
  'gt',
  'gte',
  'lt',
  'lte',
  'between',
  'contains',
  'is_null',
  'not_null',
] as const;
export type FilterOp = (typeof FILTER_OPS)[number];

const scalar = z.union([z.string().max(10_000), z.number(), z.boolean()]);

/**
 * Size caps of one query: PostgreSQL binds at most 65,535 parameters per statement, and a
 * request this large is a mistake or an attack either way. Past them: a 400 naming the field.
 */
export const QUERY_LIMITS = { values: 5_000, totalValues: 20_000, filters: 50, members: 50, segments: 20, order: 20 } as const;

/** A metric query as BI tools send it, validated before planning. */
export const metricQuerySchema = z
  .object({
    metrics: z.array(z.string().max(500)).max(QUERY_LIMITS.members).default([]),
    dimensions: z.array(z.string().max(500)).max(QUERY_LIMITS.members).default([]),
    filters: z
      .array(
        z
          .object({
            member: z.string(),
            op: z.enum(FILTER_OPS),
            values: z.array(scalar).max(QUERY_LIMITS.values).default([]),
          })
          .strict(),
      )
      .max(QUERY_LIMITS.filters)
      .default([]),
    segments: z.array(z.string().max(500)).max(QUERY_LIMITS.segments).default([]),
    time_range: z
      .object({ dimension: z.string(), from: z.string().optional(), to: z.string().optional() })
      .strict()
      .optional(),
    order: z.array(z.object({ member: z.string(), desc: z.boolean().default(false), nulls_first: z.boolean().optional() }).strict()).max(QUERY_LIMITS.order).default([]),
    limit: z.number().int().positive().max(1_000_000).optional(),
    offset: z.number().int().min(0).max(1_000_000_000).optional(),
    timezone: z.string().min(1).max(64).optional(),
    /** Runs the layer's saved query of this name (its metrics, dimensions and filters). */
    saved_query: z.string().min(1).max(500).optional(),
    drill: z
      .object({ hierarchy: z.string(), path: z.record(z.string(), scalar).default({}) })
      .strict()
      .optional(),
  })
  .strict();

export type MetricQuery = z.infer<typeof metricQuerySchema>;
export type QueryFilter = MetricQuery['filters'][number];

/** A query the planner refuses; `status` is the HTTP status a server answers with. */
export class QueryError extends Error {
  readonly diagnostics: readonly Diagnostic[];
  readonly status: 400 | 403;

  constructor(code: DiagnosticCode, message: string, hint?: string, status: 400 | 403 = 400) {
    super(message);
    this.name = 'QueryError';
    this.status = status;
    this.diagnostics = [{ code, severity: 'error', message, ...(hint ? { hint } : {}) }];
  }
}

/**
 * The IANA time zone a query is computed in, or undefined for UTC (absent, `UTC`, `Etc/UTC`,
 * `GMT`, … all plan the same SQL). An unknown name is a 400 naming it.
 *
 * @example queryTimeZone('America/New_York') // 'America/New_York'
 * @example queryTimeZone('Etc/UTC') // undefined
 */
export function queryTimeZone(tz: string | undefined): string | undefined {
  if (tz === undefined) return undefined;
  const name = tz.trim();
  let canonical: string | undefined;
  // IANA names only: letters first (no POSIX offsets such as '+03:00' or 'UTC+3', whose sign
  // PostgreSQL reads the other way round).
  if (/^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+){0,2}$/.test(name)) {
    try {
      canonical = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
    } catch {
      canonical = undefined;
    }
  }
  if (canonical === undefined) {
    throw new QueryError('query-invalid', `invalid query at timezone: unknown time zone '${tz.slice(0, 64)}'`, "use an IANA time zone name such as 'America/New_York' or 'UTC'");
  }
  return canonical === 'UTC' ? undefined : name;
}

/**
 * Validates raw JSON into a MetricQuery.
 *
 * @example parseMetricQuery({ metrics: ['revenue'], dimensions: ['customer.region'] })
 */
export function parseMetricQuery(raw: unknown): MetricQuery {
  const r = metricQuerySchema.safeParse(raw);
  if (r.success) {
    const total = r.data.filters.reduce((n, f) => n + f.values.length, 0);
    if (total > QUERY_LIMITS.totalValues) {
      throw new QueryError('query-invalid', `invalid query: ${total} filter values in all, more than ${QUERY_LIMITS.totalValues}`, 'filter on a coarser dimension, or split the query');
    }
    queryTimeZone(r.data.timezone);
    return r.data;
  }
  const issue = r.error.issues[0]!;
  const where = issue.path.map(String).join('.');
  throw new QueryError('query-invalid', `invalid query${where ? ` at ${where}` : ''}: ${issue.message}`, 'see "Semantic layer" in the README for the query shape');
}
