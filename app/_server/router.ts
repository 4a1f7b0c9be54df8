import { fleetRouter } from './fleet-router';
import { imagesRouter } from './images-router';
import { labRouter } from './lab-router';
import { machinesRouter } from './machines-router';
import { createCallerFactory, router } from './trpc';

export const appRouter = router({
  machines: machinesRouter,
  lab: labRouter,
  fleet: fleetRouter,
  images: imagesRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
export type { MachineRow, InventorySummary } from './machine-row';
export type { LiveMessage, MachineEvent } from './machine-feed';
export type { MachinePage, PageInput } from './machine-page';
export type { SerialMessage } from './serial-stream';
export type { NodeEvent } from './lab-ports';
