import type { FakeAgent } from './fake-agent';
import { V, type Harness } from './harness';

/** What a test drives for one node's ramdisk: the agent booting, its heartbeats, the history. */
export interface RamdiskSession {
  /** Background work done; with `moveClock`, the fake clock moved for steps that sleep on it. */
  settle: () => Promise<void>;
  /** The agent boots: `onBoot`, a lookup by MAC (a fresh token), then its first heartbeat. */
  agentBoots: () => Promise<void>;
  heartbeat: () => Promise<void>;
  /** Provision transitions as `from -event-> to`, oldest first. */
  transitions: () => string[];
}

/**
 * A fake agent's ramdisk as the conductor sees it through its API (lookup and heartbeat at API
 * 1.68). The harness and agent are read at each call, because tests make fresh ones per case.
 */
export function ramdiskSession(
  current: () => { h: Harness; agent: FakeAgent },
  opts: {
    node: string;
    mac: string;
    /** Advance the fake clock while settling (steps that wait on it); default false. */
    moveClock?: boolean;
    /** Before the lookup: what the machine does as the ramdisk comes up (e.g. BMC power on). */
    onBoot?: () => void;
  },
): RamdiskSession {
  const settle = async (): Promise<void> => {
    const { h } = current();
    if (!opts.moveClock) {
      await h.idle();
      return;
    }
    let done = false;
    const idle = h.idle().then(() => (done = true));
    for (let i = 0; i < 400 && !done; i++) {
      await h.clock.advance(1_000);
      await new Promise((r) => setTimeout(r, 1));
    }
    await idle;
  };
  const heartbeat = async (): Promise<void> => {
    const { h, agent } = current();
    const res = await h.api.inject({
      method: 'POST',
      url: `/v1/heartbeat/${opts.node}`,
      headers: V('1.68'),
      payload: { callback_url: agent.url, agent_token: agent.token, agent_version: '10.1.0' },
    });
    if (res.statusCode !== 202) throw new Error(`heartbeat: ${res.statusCode} ${res.body}`);
    await settle();
  };
  return {
    settle,
    heartbeat,
    agentBoots: async () => {
      const { h, agent } = current();
      agent.restart();
      opts.onBoot?.();
      const res = await h.api.inject({
        method: 'GET',
        url: `/v1/lookup?addresses=${opts.mac}`,
        headers: V('1.68'),
      });
      if (res.statusCode !== 200) throw new Error(`lookup: ${res.statusCode} ${res.body}`);
      agent.token = res.json<{ config: { agent_token: string } }>().config.agent_token;
      await heartbeat();
    },
    transitions: () =>
      current()
        .h.nodes.events(opts.node)
        .filter((e) => e.type === 'provision.transition')
        .map((e) => `${String(e.data.from)} -${String(e.data.event)}-> ${String(e.data.to)}`),
  };
}
