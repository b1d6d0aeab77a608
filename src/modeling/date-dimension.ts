/**
 * The `date_dimension` materialization: one row per day from `start_date` to `end_date`,
 * generated in SQL (no model query needed), rebuilt and swapped like a `table`.
 *
 * Columns: date_key (yyyymmdd integer), date, day_of_week (ISO, 1 = Monday), day_name, week
 * (ISO week), month, month_name, quarter, year, is_weekend, is_holiday, holiday_name,
 * fiscal_year, fiscal_quarter. With `fiscal_year_start_month: m` the fiscal year starts on the
 * first of month m and is named after the calendar year it ends in (m = 7: July 2024 is in
 * fiscal 2025, quarter 1). Day and month names are English whatever the server's locale.
 */
import type { ManifestNode } from '../compiler/types.js';
import type { ModelConfig } from '../planner/model-config.js';
import { PlanError } from '../planner/plan-error.js';
import { planRebuild } from '../planner/plan-table.js';
import { literal } from '../planner/sql.js';
import type { NodePlan, PlanOptions, RelationState } from '../planner/types.js';
import { readDateDimensionConfig, type DateDimensionConfig } from './config.js';

/**
 * The generating query (values are config constants, validated as dates, printed as literals).
 *
 * @example dateDimensionSql({ startDate: '2024-01-01', endDate: '2024-12-31', holidays: [{ date: '2024-12-25', name: 'Christmas Day' }], fiscalYearStartMonth: 7 })
 * // with days as (select d::date as "date" from generate_series('2024-01-01'::date, '2024-12-31'::date, interval '1 day') as d),
 * // holidays (holiday_date, holiday_name) as (select d::date, string_agg(n, ', ') from (values ('2024-12-25', 'Christmas Day')) as h(d, n) group by d::date)
 * // select to_char(days."date", 'YYYYMMDD')::integer as date_key, days."date", … from days left join holidays …
 */
export function dateDimensionSql(c: DateDimensionConfig): string {
  const m = c.fiscalYearStartMonth;
  const month = 'extract(month from days."date")::integer';
  const year = 'extract(year from days."date")::integer';
  const fiscalYear = m === 1 ? year : `${year} + case when ${month} >= ${m} then 1 else 0 end`;
  const fiscalQuarter = `((${month} - ${m} + 12) % 12) / 3 + 1`;
  const holidays = c.holidays.length
    ? `select d::date as holiday_date, string_agg(n, ', ' order by n) as holiday_name\n  from (values ${c.holidays.map((h) => `(${literal(h.date)}, ${literal(h.name)})`).join(', ')}) as h(d, n)\n  group by d::date`
    : 'select null::date as holiday_date, null::text as holiday_name where false';
  return `with days as (
  select d::date as "date"
  from generate_series(${literal(c.startDate)}::date, ${literal(c.endDate)}::date, interval '1 day') as d
),
holidays as (
  ${holidays}
)
select
  to_char(days."date", 'YYYYMMDD')::integer as "date_key",
  days."date",
  extract(isodow from days."date")::integer as "day_of_week",
  to_char(days."date", 'FMDay') as "day_name",
  extract(week from days."date")::integer as "week",
  ${month} as "month",
  to_char(days."date", 'FMMonth') as "month_name",
  extract(quarter from days."date")::integer as "quarter",
  ${year} as "year",
  extract(isodow from days."date") in (6, 7) as "is_weekend",
  holidays.holiday_date is not null as "is_holiday",
  holidays.holiday_name as "holiday_name",
  ${fiscalYear} as "fiscal_year",
  ${fiscalQuarter} as "fiscal_quarter"
from days
left join holidays on holidays.holiday_date = days."date"
order by days."date"`;
}

function dateConfig(node: ManifestNode): DateDimensionConfig {
  const r = readDateDimensionConfig(node.config);
  if (!r.ok) throw new PlanError('config-invalid', node.unique_id, r.problems.map((p) => `config '${p.key}': ${p.message}`).join('; '));
  return r.value;
}

/**
 * @example planDateDimension(node, state, opts, cfg)
 * // create table "gold"."dim_date__strata_tmp_…" as (with days as (…) select …); swap
 */
export function planDateDimension(node: ManifestNode, state: RelationState, opts: PlanOptions, cfg: ModelConfig): NodePlan {
  const sql = dateDimensionSql(dateConfig(node));
  const indexes = cfg.indexes.length ? cfg.indexes : [{ columns: ['date_key'], unique: true, type: undefined }];
  return { ...planRebuild({ ...node, compiled_code: sql }, state, opts, { ...cfg, indexes }, 'table'), materialization: 'date_dimension' };
}
