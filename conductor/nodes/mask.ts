import { MASKED_SECRET } from '../../protocol';

// Key fragments Ironic (via oslo's mask_dict_password) treats as secrets.
const SECRET_KEY = /pass|secret|token|pswd|configdrive|encryption_key/i;

/** A deep copy with every secret-looking string value replaced by `******`. */
export function maskSecrets(value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (typeof v === 'string' && SECRET_KEY.test(key)) out[key] = MASKED_SECRET;
    // A config drive given as JSON (API 1.56) is hidden whole, as Ironic's API hides it.
    else if (key === 'configdrive' && v) out[key] = MASKED_SECRET;
    else if (v && typeof v === 'object' && !Array.isArray(v)) {
      out[key] = maskSecrets(v as Record<string, unknown>);
    } else out[key] = v;
  }
  return out;
}
