// A Worker whose fetch throws: its logged stack must name this file's line 6, not the bundle's.
type Env = Record<string, never>;

function explode(path: string): never {
  const reason: string = `no route for ${path}`;
  throw new Error(reason);
}

export default {
  async fetch(request: Request, _env: Env): Promise<Response> {
    try {
      return explode(new URL(request.url).pathname);
    } catch (error) {
      console.error((error as Error).stack);
      return Response.json({ error: 'internal' }, { status: 500 });
    }
  },
};
