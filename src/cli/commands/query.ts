import type { Command } from 'commander';
import { CompileError } from '../../diagnostics/index.js';
import { parseMetricQuery, planQuery, QueryError, shapeRows, type MetricQuery, type QueryResponse } from '../../semantic/index.js';
import { addProjectOptions, reporterFor, type CommonOptions } from '../common.js';
import { formatTable, toCsv } from '../format.js';
import type { Reporter } from '../reporter.js';
import { compileAndSelect } from './compile.js';

interface QueryOptions extends CommonOptions {
  query?: string;
  metrics?: string;
  dimensions?: string;
  filter?: string[];
  segments?: string;
  order?: string;
  limit?: string;
  from?: string;
  to?: string;
  timeDimension?: string;
  drill?: string;
  format?: 'table' | 'csv' | 'json';
  explain?: boolean;
  role?: string;
  attr?: string[];
}

export function registerQuery(program: Command, run: (r: Reporter, f: () => Promise<number>) => Promise<number>): void {
  const cmd = program
    .command('query')
    .description('query metrics from the semantic layer (the same planner as the HTTP API)')
    .option('--query <json>', 'a full query as JSON (the body of POST /api/v1/query)')
    .option('--metrics <names>', 'comma-separated metrics, e.g. revenue,orders')
    .option('--dimensions <members>', 'comma-separated dimensions, e.g. customer.region,sales.sold_at.month')
    .option('--filter <filter...>', "'member op value[,value]', e.g. 'customer.segment in SMB,Enterprise'")
    .option('--segments <names>', 'comma-separated segments, e.g. sales.online')
    .option('--order <members>', 'comma-separated; prefix - for descending, e.g. -revenue')
    .option('--limit <n>', 'maximum rows')
    .option('--time-dimension <member>', 'time dimension for --from/--to')
    .option('--from <date>', 'time range start (inclusive)')
    .option('--to <date>', 'time range end (inclusive)')
    .option('--drill <spec>', "drill a hierarchy: 'calendar' or 'calendar:sales.sold_at.year=2024' or JSON")
    .option('--format <format>', 'table, csv or json', 'table')
    .option('--explain', 'print the SQL, parameters and plan instead of running it')
    .option('--role <role>', 'plan as this access role (to check what a token would see)')
    .option('--attr <key=value...>', 'user attributes for --role, e.g. region=EMEA');
  addProjectOptions(cmd).action(async (opts: QueryOptions) => {
    const reporter = reporterFor(opts);
    await run(reporter, async () => {
      const query = buildQuery(opts);
      const { files, semantic } = await compileAndSelect({ ...opts, select: [] });
      if (!semantic) {
        throw new CompileError([{ code: 'semantic-invalid', severity: 'error', message: 'this project has no semantic layer', hint: 'declare semantic_models: and metrics: in semantic/*.yml' }]);
      }
      const security = opts.role
        ? {
            role: semantic.access?.roles[opts.role] ?? fail(`unknown role '${opts.role}'`),
            user: Object.fromEntries((opts.attr ?? []).map((a) => [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)])),
          }
        : undefined;
      let plan;
      try {
        plan = planQuery(semantic, query, security);
      } catch (e) {
        if (e instanceof QueryError) throw new CompileError(e.diagnostics);
        throw e;
      }
      if (opts.explain) {
        reporter.result(`${plan.sql}\n\n-- params: ${JSON.stringify(plan.params)}\n-- plan:\n${plan.plan.map((p) => `--   ${p.cte}: ${p.kind} on ${p.model || '(all)'}${p.joins.length ? ` joining ${p.joins.join(', ')}` : ''}${p.measures.length ? ` measures ${p.measures.join(', ')}` : ''}`).join('\n')}`);
        return 0;
      }
      const { openTargetAdapter } = await import('./open-target.js');
      const { adapter, close } = await openTargetAdapter(files.target, reporter, { command: 'query' });
      try {
        const started = performance.now();
        const r = await adapter.query<Record<string, unknown>>(plan.sql, plan.params);
        const response: QueryResponse = {
          columns: plan.columns,
          rows: shapeRows(plan.columns, r.rows),
          meta: { cache: 'miss', rollup: null, ms: Math.round((performance.now() - started) * 100) / 100, ...(plan.drill ? { drill: plan.drill } : {}) },
        };
        const names = plan.columns.map((c) => c.name);
        if (opts.format === 'json') reporter.result(JSON.stringify(response, null, 2));
        else if (opts.format === 'csv') reporter.result(toCsv(names, response.rows));
        else reporter.result(formatTable(names, response.rows));
        return 0;
      } finally {
        await close();
      }
    });
  });
}

function fail(message: string): never {
  throw new CompileError([{ code: 'query-invalid', severity: 'error', message }]);
}

/** Flags → the query JSON; `--query` gives it whole. Usage errors are exit-2 diagnostics. */
export function buildQuery(o: QueryOptions): MetricQuery {
  const list = (s?: string): string[] => (s ? s.split(',').map((x) => x.trim()).filter(Boolean) : []);
  let raw: Record<string, unknown>;
  if (o.query) {
    try {
      raw = JSON.parse(o.query) as Record<string, unknown>;
    } catch (e) {
      fail(`--query is not valid JSON: ${(e as Error).message}`);
    }
  } else {
    raw = { metrics: list(o.metrics), dimensions: list(o.dimensions) };
    if (o.filter?.length) {
      raw['filters'] = o.filter.map((f) => {
        const m = /^\s*(\S+)\s+(\S+)(?:\s+(.*))?$/.exec(f);
        if (!m) fail(`--filter '${f}' must be 'member op value[,value]'`);
        const values = m[3] === undefined ? [] : m[3].split(',').map((v) => (/^-?\d+(\.\d+)?$/.test(v.trim()) ? Number(v) : v.trim()));
        return { member: m[1], op: m[2], values };
      });
    }
    if (o.segments) raw['segments'] = list(o.segments);
    if (o.order) raw['order'] = list(o.order).map((x) => (x.startsWith('-') ? { member: x.slice(1), desc: true } : { member: x, desc: false }));
    if (o.limit) raw['limit'] = Number(o.limit);
    if (o.from || o.to) {
      if (!o.timeDimension) fail('--from/--to need --time-dimension, e.g. --time-dimension sales.sold_at');
      raw['time_range'] = { dimension: o.timeDimension, ...(o.from ? { from: o.from } : {}), ...(o.to ? { to: o.to } : {}) };
    }
  }
  if (o.drill) raw['drill'] = parseDrill(o.drill);
  try {
    return parseMetricQuery(raw);
  } catch (e) {
    if (e instanceof QueryError) throw new CompileError(e.diagnostics);
    throw e;
  }
}

function parseDrill(spec: string): unknown {
  if (spec.trim().startsWith('{')) {
    try {
      return JSON.parse(spec);
    } catch (e) {
      fail(`--drill is not valid JSON: ${(e as Error).message}`);
    }
  }
  const [hierarchy, rest] = spec.split(':', 2);
  const path: Record<string, string | number> = {};
  for (const part of (rest ?? '').split(',').filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq < 0) fail(`--drill '${spec}': write hierarchy:member=value,member=value`);
    const v = part.slice(eq + 1);
    path[part.slice(0, eq)] = /^-?\d+$/.test(v) ? Number(v) : v;
  }
  return { hierarchy, path };
}
