/**
 * Invariant checks. A broken invariant is a bug in schedlab, never a user error: it throws
 * InvariantError naming the function that found it ("runqput: G7 already on a queue").
 */
export class InvariantError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvariantError';
  }
}

/**
 * Throws InvariantError(message) unless `cond` holds. A message closure is only called on
 * failure, but on a hot path do not pass one that uses the caller's parameters or locals:
 * V8 then allocates a context object for them at every call of the caller, failing or not
 * (it cost the kernel one 40-byte allocation per dispatch). Write
 * `if (!cond) throw new InvariantError(`…`)` there instead.
 */
export function invariant(cond: unknown, message: string | (() => string)): asserts cond {
  if (!cond) throw new InvariantError(typeof message === 'string' ? message : message());
}
