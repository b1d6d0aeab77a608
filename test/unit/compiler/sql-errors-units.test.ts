// Pieces of located SQL errors that need no database: driver error normalisation and hints.
import { describe, expect, it } from 'vitest';
import { toDatabaseError } from '../../../src/adapters/database-error.js';
import { compiledLineHint } from '../../../src/compiler/sql-check.js';

describe('toDatabaseError', () => {
  it('keeps the SQLSTATE, turns pg\'s string position into a number and remembers the statement', () => {
    const pgLike = Object.assign(new Error('column "x" does not exist'), { code: '42703', position: '8' });
    const e = toDatabaseError(pgLike, 'select x from t');
    expect(e.code).toBe('42703');
    expect(e.position).toBe(8);
    expect(e.statement).toBe('select x from t');
    // not enumerable: logging the error does not dump the whole statement
    expect(Object.keys(e)).not.toContain('statement');
  });

  it('normalises plain objects (PGlite worker messages) and drops a meaningless position', () => {
    const e = toDatabaseError({ message: 'boom', code: '42601', position: 'n/a' });
    expect(e).toBeInstanceOf(Error);
    expect(e.message).toBe('boom');
    expect(e.code).toBe('42601');
    expect(e.position).toBeUndefined();
  });
});

describe('compiledLineHint', () => {
  it('quotes the compiled line holding the offset', () => {
    const sql = 'select\n  a,\nfrom t';
    expect(compiledLineHint(sql, sql.indexOf('from'))).toBe('compiled SQL line 3: from t');
  });
});
