import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from '../../_server/router';

/** One catalogue row as the images page receives it, with the nodes that use it. */
export type CatalogueImage = inferRouterOutputs<AppRouter>['images']['list']['images'][number];
export type UploadFields = Omit<inferRouterInputs<AppRouter>['images']['beginUpload'], 'size'>;
export type UploadedImage = NonNullable<
  inferRouterOutputs<AppRouter>['images']['uploadChunk']['image']
>;
