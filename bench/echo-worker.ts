/** The bare piscina task of the executor benchmark: gets a small request, returns a small reply. */
export default function echo(request: { i: number }): { i: number } {
  return { i: request.i };
}
