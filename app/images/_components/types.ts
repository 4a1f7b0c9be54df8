import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from '../../_server/router';

/** One catalogue row as the images page receives it, with the nodes that use it. */
export type CatalogueImage = inferRouterOutputs<AppRouter>['images']['list']['images'][number];
export type UploadFields = inferRouterInputs<AppRouter>['images']['checkUpload'];
export type UploadedImage = inferRouterOutputs<AppRouter>['images']['upload'];
