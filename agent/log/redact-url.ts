/** Masks `agent_token` (and any other secret-looking) query values before a URL is logged. */
export function redactUrl(url: string): string {
  return url.replace(/([?&](?:agent_token|token|password)=)[^&#]*/gi, '$1******');
}
