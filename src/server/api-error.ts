/**
 * An error the HTTP layer answers with its own status and message (never database text).
 *
 * @example throw new ApiError(429, 'too_many_requests', "role 'sales' has 8 queries running")
 */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: readonly unknown[];

  constructor(status: number, code: string, message: string, details: readonly unknown[] = []) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
  }
}
