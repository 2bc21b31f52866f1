/**
 * Reading an HTTP request target (`/path?query`) without throwing, for the two servers (browser
 * host and reference backend): a broken percent-escape must become a 400, never an exception.
 */

/** The request target's path, undecoded, without the query (never throws, unlike `new URL`). */
export function requestPath(rawUrl: string | undefined): string {
  const url = rawUrl ?? '/';
  const queryAt = url.indexOf('?');
  return queryAt === -1 ? url : url.slice(0, queryAt);
}

/** False when RAWURL's query holds a broken percent-escape (`%ZZ`, a cut UTF-8 sequence). */
export function queryIsWellEncoded(rawUrl: string): boolean {
  const queryAt = rawUrl.indexOf('?');
  if (queryAt === -1) return true;
  try {
    decodeURIComponent(rawUrl.slice(queryAt + 1));
    return true;
  } catch {
    // decodeURIComponent throws URIError on a malformed escape: that is the answer.
    return false;
  }
}
