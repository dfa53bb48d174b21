import { validate, type Order } from './util';

export const handler = async (event: { body?: string }): Promise<{ statusCode: number; body: string }> => {
  const order: Order = validate(JSON.parse(event.body ?? 'null'));
  return { statusCode: 202, body: JSON.stringify(order) };
};
