// Validation that throws instead of answering 400: the error must point at this file's line 7.
export interface Order { amount: number; currency: string }

export function validate(body: unknown): Order {
  const order = body as Order;
  if (!(order.amount > 0)) {
    throw new RangeError(`amount must be positive, got ${order.amount}`);
  }
  return order;
}
