import { describe, expect, it } from 'vitest';
import { CompileError } from '../../../src/diagnostics/index.js';
import { parseVars } from '../../../src/project/index.js';
import { loadErrors, loadFiles } from './load-helpers.js';

function varsError(text: string): CompileError {
  try {
    parseVars(text, '--vars');
  } catch (e) {
    if (e instanceof CompileError) return e;
    throw e;
  }
  throw new Error('expected parseVars to fail');
}

describe('parseVars', () => {
  it('parses JSON', () => {
    expect(parseVars('{"start_date": "2024-01-01", "n": 3, "list": [1, 2], "nested": {"a": null}}', '--vars')).toEqual({
      start_date: '2024-01-01', n: 3, list: [1, 2], nested: { a: null },
    });
  });

  it('parses YAML, keeping dates as strings', () => {
    expect(parseVars('start_date: 2024-01-01\nflag: true\nregions: [eu, us]', '--vars')).toEqual({
      start_date: '2024-01-01', flag: true, regions: ['eu', 'us'],
    });
    expect(parseVars('{key: value}', '--vars')).toEqual({ key: 'value' });
  });

  it('treats empty text as no vars', () => {
    expect(parseVars('', '--vars')).toEqual({});
    expect(parseVars('   ', '--vars')).toEqual({});
  });

  it('rejects non-mappings and broken text with vars-invalid', () => {
    for (const text of ['[1, 2]', '"just a string"', '42', '{"a": ', 'a: [']) {
      const e = varsError(text);
      expect(e.diagnostics.map((d) => d.code)).toEqual(['vars-invalid']);
      expect(e.diagnostics[0]?.message).toContain('--vars');
    }
  });
});

describe('--vars in loadProject', () => {
  it('returns cliVars next to project vars', async () => {
    const p = await loadFiles({ 'dbt_project.yml': 'name: shop\nvars: {a: 1}\n' }, { vars: '{"a": 2}' });
    expect(p.config.vars).toEqual({ a: 1 });
    expect(p.cliVars).toEqual({ a: 2 });
  });

  it('reports vars-invalid', async () => {
    const ds = await loadErrors({ 'dbt_project.yml': 'name: shop\n' }, { vars: '- a' });
    expect(ds).toEqual([expect.objectContaining({ code: 'vars-invalid' })]);
  });
});
