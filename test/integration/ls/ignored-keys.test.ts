import { describe, expect, it } from 'vitest';
import { strata } from '../../helpers/strata-cli.js';
import { writeTempProject } from '../../helpers/temp-project.js';

const PROFILE = 't:\n  target: dev\n  outputs:\n    dev: {type: pglite, path: .strata/pglite, schema: main}\n';

describe('warnings for dbt keys Strata ignores', () => {
  it('config-ignored-key names the key at its file:line, distinct from config-unknown-key for typos; handled keys do not warn', async () => {
    const dir = await writeTempProject({
      'strata_project.yml': 'name: t\nprofile: t\n',
      'profiles.yml': PROFILE,
      'models/a_v1.sql': 'select 1 as id',
      'models/schema.yml': [
        'version: 2',
        'groups:',
        '  - {name: finance, owner: {name: Ann}}',
        'models:',
        '  - name: a',
        '    access: public',
        '    deprecation_date: 2030-01-01',
        '    docs: {node_color: red}',
        '    config:',
        '      persist_docs: {relation: true}',
        '    colums: []',
        '    columns:',
        '      - name: id',
        '        policy_tags: [x]',
        '    versions:',
        '      - v: 1',
        'exposures:',
        "  - {name: e, type: ml, owner: {name: Ann}, depends_on: [\"ref('a')\"]}",
        '',
      ].join('\n'),
    });
    const r = await strata(['compile', '--project-dir', dir]);
    expect(r.code, r.stderr).toBe(0);
    const out = r.stderr + r.stdout;
    const warnings = [...out.matchAll(/^(models\/schema\.yml:\d+:\d+): warning\[([a-z-]+)\]: (.*)$/gm)].map((m) => `${m[1]} ${m[2]} ${m[3]}`);
    expect(warnings).toEqual([
      "models/schema.yml:2:1 config-ignored-key top-level 'groups' in models/schema.yml has no effect in Strata; it is accepted for dbt compatibility and ignored",
      "models/schema.yml:11:5 config-unknown-key unknown key 'colums' in models entry 'a'; it is ignored",
      "models/schema.yml:6:5 config-ignored-key 'access' in model 'a' has no effect in Strata; it is accepted for dbt compatibility and ignored",
      "models/schema.yml:7:5 config-ignored-key 'deprecation_date' in model 'a' has no effect in Strata; it is accepted for dbt compatibility and ignored",
      "models/schema.yml:8:12 config-ignored-key 'docs.node_color' in model 'a' has no effect in Strata (the docs site does not colour nodes)",
      "models/schema.yml:10:7 config-ignored-key 'persist_docs' in the config of model 'a' has no effect in Strata; it is accepted for dbt compatibility and ignored",
      "models/schema.yml:14:9 config-ignored-key 'policy_tags' in column 'id' has no effect in Strata; it is accepted for dbt compatibility and ignored",
    ]);
    // versions:, exposures: and unit_tests: are acted on: no warning names them
    expect(out).not.toMatch(/'(versions|exposures|unit_tests|latest_version)'/);
  });
});
