/**
 * A generated project of `n` models for docs-site tests at scale (the browser tests and
 * bench/docs.js use the same shape): 100 models a folder under `models/<domain>/layer_<k>/`, each
 * reading 1–3 earlier models, YAML descriptions and column docs, tags per domain, an installed
 * package (`dbt_packages/shared_utils`, read by some models), a seed of sales with a semantic model
 * and a `revenue` metric by month, segment and region, and an exposure at the end of the graph.
 *
 * Names are stable: model i is `m_<i padded to 5>`; every 7th model has a `customer_key` column;
 * every 50th model's description mentions "gold-tier" accounts.
 */
export const DOMAINS = ['finance', 'marketing', 'operations', 'product'] as const;
export const SEGMENTS = ['enterprise', 'smb', 'consumer', 'public_sector', 'partner'] as const;
const PER_FOLDER = 100;
const PACKAGE_MODELS = 20;

/** Deterministic pseudo-random numbers so every run builds the same project. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

export const modelName = (i: number): string => `m_${String(i).padStart(5, '0')}`;

/** The folder of model i relative to `models/`: `<domain>/layer_<k>`. */
export function modelFolder(i: number): string {
  const k = Math.floor(i / PER_FOLDER);
  return `${DOMAINS[k % DOMAINS.length]}/layer_${String(k).padStart(3, '0')}`;
}

/** Parent model indices of model i (same generator as the files). */
export function scaleParents(n: number): number[][] {
  const rand = rng(42);
  const out: number[][] = [];
  for (let i = 0; i < n; i++) {
    if (i < 10) {
      out.push([]);
      continue;
    }
    const k = 1 + Math.floor(rand() * 3);
    const parents = new Set<number>();
    while (parents.size < k) parents.add(Math.floor(rand() * i));
    out.push([...parents]);
  }
  return out;
}

export function docsScaleProjectFiles(n: number): Record<string, string> {
  const files: Record<string, string> = {
    'strata_project.yml': 'name: scale\nprofile: scale\nmodels:\n  scale:\n    +materialized: view\n',
    'dbt_packages/shared_utils/dbt_project.yml': 'name: shared_utils\nversion: 1.0.0\nconfig-version: 2\n',
  };
  const sales = ['sale_id,sold_at,segment,region,amount'];
  const rand = rng(7);
  for (let i = 1; i <= 600; i++) {
    const month = 1 + (i % 12);
    sales.push(`${i},2024-${String(month).padStart(2, '0')}-${String(1 + (i % 27)).padStart(2, '0')},${SEGMENTS[i % SEGMENTS.length]},${['EMEA', 'AMER', 'APAC'][i % 3]},${(10 + Math.floor(rand() * 990)).toFixed(0)}`);
  }
  files['seeds/raw_sales.csv'] = `${sales.join('\n')}\n`;
  files['models/marts/fct_sales.sql'] = "select sale_id, sold_at::date as sold_at, segment, region, amount::numeric as amount from {{ ref('raw_sales') }}\n";
  files['models/marts/schema.yml'] =
    'version: 2\nmodels:\n  - name: fct_sales\n    description: One row per sale, with the customer segment and region.\n    columns:\n      - name: sale_id\n        tests: [unique, not_null]\n      - name: segment\n        description: Customer segment of the sale.\n';
  files['semantic/sales.yml'] = `semantic_models:
  - name: sales
    model: ref('fct_sales')
    primary_key: sale_id
    dimensions:
      - { name: sold_at, type: time, expr: sold_at, granularities: [day, month, year] }
      - { name: segment }
      - { name: region }
    measures:
      - { name: revenue, agg: sum, expr: amount }
      - { name: sale_count, agg: count }
metrics:
  - { name: revenue, type: simple, measure: sales.revenue, description: Revenue of all sales }
  - { name: sale_count, type: simple, measure: sales.sale_count }
`;
  let pkgYaml = 'version: 2\nmodels:\n';
  for (let u = 0; u < PACKAGE_MODELS; u++) {
    files[`dbt_packages/shared_utils/models/utils/u_${String(u).padStart(2, '0')}.sql`] = `select generate_series(1, 10) as id, ${u} * 1.5 as amount\n`;
    pkgYaml += `  - name: u_${String(u).padStart(2, '0')}\n    description: Shared utility relation ${u}.\n`;
  }
  files['dbt_packages/shared_utils/models/utils/schema.yml'] = pkgYaml;

  const parents = scaleParents(n);
  const yaml = new Map<string, string>();
  for (let i = 0; i < n; i++) {
    const folder = modelFolder(i);
    const name = modelName(i);
    const domain = DOMAINS[Math.floor(i / PER_FOLDER) % DOMAINS.length]!;
    const withKey = i % 7 === 0;
    let sql: string;
    if (i < 10) {
      const from = i < 5 ? `{{ ref('shared_utils', 'u_${String(i).padStart(2, '0')}') }}` : '(select generate_series(1, 10) as id, 2.5 as amount) as g';
      sql = `{{ config(materialized='table', tags=['root']) }}\nselect id, amount${withKey ? ', id * 10 as customer_key' : ''} from ${from}\n`;
    } else {
      const [p0, ...rest] = parents[i]!.map(modelName);
      const joins = rest.map((p, j) => `\n  join {{ ref('${p}') }} as r${j} using (id)`).join('');
      sql =
        `{{ config(tags=['${domain}']) }}\n` +
        `with a as (\n  select id, amount from {{ ref('${p0}') }}\n), b as (\n  select a.id, a.amount * 1.01 as amount from a${joins}\n)\n` +
        `select id, amount${withKey ? ', id * 10 as customer_key' : ''} from b\n`;
    }
    files[`models/${folder}/${name}.sql`] = sql;
    const description = i % 50 === 0 ? `Revenue of gold-tier accounts, step ${i}.` : `Model ${i} of the ${domain} domain.`;
    const cols = [`      - name: id\n        description: Account identifier.\n        tests: [not_null]\n`, `      - name: amount\n        description: Amount in dollars.\n`];
    if (withKey) cols.push('      - name: customer_key\n        description: Surrogate key of the customer.\n');
    yaml.set(folder, `${yaml.get(folder) ?? 'version: 2\nmodels:\n'}  - name: ${name}\n    description: ${description}\n    meta: { owner: ${domain}-team }\n    columns:\n${cols.join('')}`);
  }
  for (const [folder, text] of yaml) files[`models/${folder}/schema.yml`] = text;
  const last = modelName(n - 1);
  files['models/exposures.yml'] = `version: 2\nexposures:\n  - name: board_dashboard\n    type: dashboard\n    maturity: high\n    owner: { name: Finance, email: finance@example.com }\n    depends_on: [ref('${last}'), ref('fct_sales')]\n`;
  files['models/overview.md'] = '{% docs __overview__ %}\n# Scale project\n\nA generated project of many models for the **docs site**. Start with `fct_sales`.\n{% enddocs %}\n';
  return files;
}
