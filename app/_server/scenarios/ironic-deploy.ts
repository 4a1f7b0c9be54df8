/**
 * Starts a deploy the way an operator's client would, through the conductor's Ironic API: the
 * image goes into instance_info with a JSON patch, then the node is asked to become active.
 */
export async function deployOverApi(
  apiUrl: string,
  uuid: string,
  instanceInfo: Readonly<Record<string, unknown>>,
): Promise<void> {
  const headers = {
    'content-type': 'application/json',
    'x-openstack-ironic-api-version': 'latest',
  };
  const node = `${apiUrl.replace(/\/$/, '')}/v1/nodes/${encodeURIComponent(uuid)}`;
  const patch = Object.entries(instanceInfo).map(([key, value]) => ({
    op: 'add',
    path: `/instance_info/${key}`,
    value,
  }));
  await check(await fetch(node, { method: 'PATCH', headers, body: JSON.stringify(patch) }));
  await check(
    await fetch(`${node}/states/provision`, {
      method: 'PUT',
      headers,
      body: JSON.stringify({ target: 'active' }),
    }),
  );
}

/** Ironic wraps its errors as `{"error_message": "<JSON with faultstring>"}`; show the fault. */
async function check(response: Response): Promise<void> {
  if (response.ok) return;
  const text = await response.text();
  let message = text;
  try {
    const body = JSON.parse(text) as { error_message?: unknown };
    const inner =
      typeof body.error_message === 'string'
        ? (JSON.parse(body.error_message) as { faultstring?: unknown })
        : undefined;
    if (typeof inner?.faultstring === 'string') message = inner.faultstring;
  } catch {
    // Not Ironic's shape; the raw text says what there is to say.
  }
  throw new Error(`Ironic API ${response.status}: ${message}`);
}
