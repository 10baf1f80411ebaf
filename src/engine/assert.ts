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

export function invariant(cond: unknown, message: string | (() => string)): asserts cond {
  if (!cond) throw new InvariantError(typeof message === 'string' ? message : message());
}
