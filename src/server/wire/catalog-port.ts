// TEMPORARY stand-in until the virtual catalog lands.
export interface CatalogSurface { database: string; schema: string; user: string; serverVersion: string; tables: CatalogTable[]; settings: Record<string, string> }
export interface CatalogTable { name: string; description: string; columns: { name: string; type: string; description: string }[] }
export class CatalogError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}
export class VirtualCatalog {
  constructor(readonly surface: CatalogSurface) {}
  static isCatalogQuery(_stmt: unknown): boolean {
    return false;
  }
  execute(_stmt: unknown, _params: readonly (string | null)[], _settings?: unknown): { fields: { name: string; typeOid: number }[]; rows: (string | null)[][] } {
    return { fields: [{ name: 'one', typeOid: 23 }], rows: [['1']] };
  }
}
