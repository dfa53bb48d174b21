// Logs a marker on both streams (console.log -> stdout, console.error -> stderr). workerd
// writes a Worker's console lines in order, so once the driver has seen both markers, every
// line an earlier request logged has been handed to it.
export default {
  fetch(request) {
    const marker = new URL(request.url).searchParams.get('marker');
    console.log(marker);
    console.error(marker);
    return new Response(null, { status: 204 });
  },
};
