import { createHash } from 'node:crypto';

/**
 * Hands out unique, locally administered unicast MACs derived from a seed (the machine id and
 * port), so a machine rebuilt with the same id after a restart keeps the MACs its Ironic ports
 * were enrolled with. The first octet has the locally-administered bit set and the multicast
 * bit clear, and is never 0xfa: IPA treats MACs beginning `fa:` as no MAC at all.
 */
export class MacAllocator {
  private readonly used = new Set<string>();

  constructor(private readonly firstOctet = 0x0e) {
    if ((firstOctet & 0x03) !== 0x02 || firstOctet === 0xfa) {
      throw new RangeError('first octet must be locally administered unicast and not 0xfa');
    }
  }

  /** A MAC for `seed`; the same seed gives the same MAC unless it is taken already. */
  allocate(seed: string): string {
    for (let attempt = 0; ; attempt++) {
      const hash = createHash('sha256').update(`${seed}#${attempt}`).digest();
      const bytes = [this.firstOctet, hash[0]!, hash[1]!, hash[2]!, hash[3]!, hash[4]!];
      const mac = bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
      if (!this.used.has(mac)) {
        this.used.add(mac);
        return mac;
      }
    }
  }

  release(mac: string): void {
    this.used.delete(mac.toLowerCase());
  }

  get size(): number {
    return this.used.size;
  }
}
