// The import arrows of DESIGN.md, as import-x `no-restricted-paths` zones: each zone says which
// folders code under `target` may not import from.
const parts = [
  'protocol',
  'lib',
  'agent',
  'simulator',
  'conductor',
  'images',
  'builders',
  'app',
  'e2e',
];

/** What each part may import (besides itself). */
export const allowedImports = {
  protocol: [],
  lib: [],
  agent: ['protocol', 'lib'],
  simulator: ['protocol', 'lib', 'agent'],
  conductor: ['protocol', 'lib'],
  images: ['protocol', 'lib'],
  // The ramdisk/ISO builders bundle the agent from its source path; they import no part's code.
  builders: ['lib'],
  app: ['protocol', 'lib', 'conductor', 'simulator', 'images'],
  e2e: [],
};

export const boundaryZones = parts.flatMap((target) =>
  parts
    .filter((from) => from !== target && !allowedImports[target].includes(from))
    .map((from) => ({
      target: `./${target}`,
      from: `./${from}`,
      message: `${target}/ may import only ${allowedImports[target].join(', ') || 'nothing of ours'} (DESIGN.md).`,
    })),
);
