'use client';

import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { buttonClass } from '../../_components/actions/ui';
import { useTRPC } from '../../_trpc/client';
import { AddImageForm } from './add-image-form';
import { CatalogueTable } from './catalogue-table';
import { DeleteImageDialog } from './delete-image-dialog';
import type { CatalogueImage } from './types';

/**
 * The image service's catalogue as an operator uses it: what can be deployed, how to get more
 * in, and deleting what no machine needs. Polled, since deploys change who uses what.
 */
export function ImagesPanel() {
  const trpc = useTRPC();
  const list = useQuery(trpc.images.list.queryOptions(undefined, { refetchInterval: 10_000 }));
  const [deleting, setDeleting] = useState<CatalogueImage | null>(null);
  // The dialog shows the row as it is now: a deploy may start using it while the dialog is open.
  const current = deleting
    ? (list.data?.images.find((image) => image.id === deleting.id) ?? deleting)
    : null;
  return (
    <section aria-labelledby="images-heading" className="flex flex-col gap-4">
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h1 id="images-heading" className="text-lg font-semibold">
          Images{' '}
          {list.data && (
            <span className="font-normal text-zinc-500 dark:text-zinc-400">
              {list.data.images.length}
            </span>
          )}
        </h1>
        {list.data && (
          <p className="text-xs text-zinc-500 dark:text-zinc-400">
            Served by the image service at{' '}
            <a
              href={`${list.data.url}/v1/images`}
              className="font-mono text-sky-800 hover:underline dark:text-sky-300"
            >
              {list.data.url}
            </a>
          </p>
        )}
      </div>
      <AddImageForm />
      {list.isPending && (
        <p role="status" className="text-sm text-zinc-500 dark:text-zinc-400">
          Loading the catalogue…
        </p>
      )}
      {list.error && (
        <div
          role="alert"
          className="flex flex-wrap items-center gap-3 rounded-md bg-red-50 px-3 py-2 text-sm text-red-800 dark:bg-red-950/50 dark:text-red-300"
        >
          <span>Could not load the catalogue: {list.error.message}</span>
          <button type="button" className={buttonClass} onClick={() => void list.refetch()}>
            Retry
          </button>
        </div>
      )}
      {list.data && list.data.images.length === 0 && (
        <p className="rounded-lg p-4 text-sm text-zinc-600 ring-1 ring-zinc-200 dark:text-zinc-400 dark:ring-zinc-800">
          The catalogue is empty. Add an image above; the LabOS samples are written again when the
          console restarts.
        </p>
      )}
      {list.data && list.data.images.length > 0 && (
        <CatalogueTable images={list.data.images} onDelete={setDeleting} />
      )}
      {current && <DeleteImageDialog image={current} onClose={() => setDeleting(null)} />}
    </section>
  );
}
