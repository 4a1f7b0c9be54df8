import { describe, expect, it } from 'vitest';
import { actionStates, allowedVerbs } from './machine-actions';

describe('allowedVerbs', () => {
  it('follows the conductor state machine', () => {
    expect(allowedVerbs('enroll')).toEqual(['manage']);
    expect(allowedVerbs('manageable')).toEqual(['provide', 'inspect']);
    expect(allowedVerbs('available')).toEqual(['manage']);
    expect(allowedVerbs('inspect wait')).toEqual(['abort']);
    expect(allowedVerbs('clean hold')).toEqual(['abort', 'unhold']);
    expect(allowedVerbs('clean failed')).toEqual(['manage']);
  });

  it('offers nothing in a state it does not know', () => {
    expect(allowedVerbs('bogus')).toEqual([]);
  });
});

describe('actionStates', () => {
  const node = (over: Partial<Parameters<typeof actionStates>[0]> = {}) => ({
    provision_state: 'manageable',
    target_provision_state: null,
    maintenance: false,
    driver: 'redfish',
    ...over,
  });
  const byAction = (states: ReturnType<typeof actionStates>) =>
    Object.fromEntries(states.map((s) => [s.action, s.reason]));

  it('lists every action, allowed ones with no reason and the others with why not', () => {
    const reasons = byAction(actionStates(node()));
    expect(reasons.clean).toBeNull();
    expect(reasons.provide).toBeNull();
    expect(reasons.deploy).toBe('Not from "manageable"; only from "available", "deploy failed"');
    expect(reasons.undeploy).toMatch(/^Not from "manageable"; only from .*"active"/);
    expect(reasons['boot device']).toBeNull();
    expect(reasons.maintenance).toBeNull();
  });

  it('says to wait while the conductor works, and refuses deploys in maintenance', () => {
    const busy = byAction(actionStates(node({ provision_state: 'cleaning' })));
    expect(busy.clean).toBe('Wait: the conductor is cleaning');
    expect(busy['boot device']).toMatch(/^Wait: the conductor is cleaning/);
    const held = byAction(actionStates(node({ provision_state: 'available', maintenance: true })));
    expect(held.deploy).toBe('Take the machine out of maintenance first');
    const ipmi = byAction(actionStates(node({ driver: 'ipmi' })));
    expect(ipmi['boot device']).toBe('The ipmi hardware type cannot set the boot device here');
  });
});
