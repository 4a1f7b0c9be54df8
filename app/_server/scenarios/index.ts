// Training scenarios: the catalogue and the engine that plays them against the lab.
import type { LabContext } from '../trpc';
import { deployOverApi } from './ironic-deploy';
import { ScenarioEngine } from './scenario-engine';

export { SCENARIOS, defaultRootDisk, findScenario, type ScenarioDefinition } from './catalogue';
export {
  ScenarioConflictError,
  ScenarioEngine,
  describeAction,
  type RunStatus,
  type ScenarioRunView,
} from './scenario-engine';

/**
 * What a deploy scenario puts in instance_info: the lab's first image when it serves any; else a
 * well-formed source that is never fetched, because the BMC fails before a ramdisk can boot.
 */
function deployImage(lab: LabContext): Record<string, unknown> {
  const first = lab.images.list()[0];
  if (first) return { ...lab.images.instanceInfo(first.id) };
  return {
    image_source: `${lab.info().ironicApiUrl}/scenario-image-never-fetched.raw`,
    image_os_hash_algo: 'sha256',
    image_os_hash_value: '0'.repeat(64),
  };
}

const engines = new WeakMap<LabContext, ScenarioEngine>();

/** The lab's one scenario engine, made on first use (it listens only while a run is going). */
export function scenariosFor(lab: LabContext): ScenarioEngine {
  let engine = engines.get(lab);
  if (!engine) {
    engine = new ScenarioEngine({
      conductor: lab.conductor,
      fleet: lab.fleet,
      clock: lab.clock,
      deploy: (uuid) => deployOverApi(lab.info().ironicApiUrl, uuid, deployImage(lab)),
    });
    engines.set(lab, engine);
  }
  return engine;
}

/** Stops the lab's scenario engine, if one was made, dropping its listeners (the lab's stop). */
export function stopScenarios(lab: LabContext): void {
  engines.get(lab)?.stop();
  engines.delete(lab);
}
