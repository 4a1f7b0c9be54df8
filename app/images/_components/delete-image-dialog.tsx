'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { formErrors } from '../../_components/actions/form-errors';
import { Modal } from '../../_components/actions/modal';
import { buttonClass, dangerClass, ErrorSummary } from '../../_components/actions/ui';
import { machineHref } from '../../_components/machine-cells';
import { useTRPC } from '../../_trpc/client';
import type { CatalogueImage } from './types';

/**
 * Deleting asks first, and says what goes: an uploaded or downloaded file is removed from the
 * service's disk; a host path is only forgotten. An image a node points at cannot be deleted;
 * the dialog names the nodes (the server refuses too, should a deploy start meanwhile).
 */
export function DeleteImageDialog({
  image,
  onClose,
}: {
  image: CatalogueImage;
  onClose: () => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const mutation = useMutation(
    trpc.images.remove.mutationOptions({
      onSuccess: () => {
        void queryClient.invalidateQueries({ queryKey: trpc.images.list.queryKey() });
        onClose();
      },
    }),
  );
  const errors = formErrors(mutation.error);
  const inUse = image.usedBy.length > 0;
  return (
    <Modal title={`Delete ${image.id}`} onClose={onClose}>
      <form
        className="flex flex-col gap-4 text-sm"
        onSubmit={(event) => {
          event.preventDefault();
          if (!inUse) mutation.mutate({ id: image.id });
        }}
      >
        {inUse ? (
          <div role="alert" className="rounded-md bg-amber-50 px-3 py-2 dark:bg-amber-950/40">
            <p className="font-medium text-amber-900 dark:text-amber-200">
              This image is in use and cannot be deleted.
            </p>
            <p className="mt-1 text-amber-900 dark:text-amber-200">
              The <code>instance_info.image_source</code> of{' '}
              {image.usedBy.map((user, index) => (
                <span key={user.node}>
                  {index > 0 && ', '}
                  <Link href={machineHref(user.node)} className="underline">
                    {user.node}
                  </Link>{' '}
                  ({user.provisionState})
                </span>
              ))}{' '}
              points at it. Undeploy {image.usedBy.length === 1 ? 'that machine' : 'those machines'}{' '}
              or give {image.usedBy.length === 1 ? 'it' : 'them'} another image first.
            </p>
          </div>
        ) : (
          <p>
            {image.source === 'path'
              ? `The catalogue forgets ${image.id}; its file on the console host (${image.origin ?? 'the path it was added from'}) stays.`
              : `${image.id} and its file are removed from the image service. Its URL answers 404 from then on.`}
          </p>
        )}
        <ErrorSummary errors={errors} />
        <div className="flex justify-end gap-2">
          <button type="button" className={buttonClass} onClick={onClose}>
            {inUse ? 'Close' : 'Cancel'}
          </button>
          <button type="submit" className={dangerClass} disabled={inUse || mutation.isPending}>
            {mutation.isPending ? 'Deleting…' : `Delete ${image.id}`}
          </button>
        </div>
      </form>
    </Modal>
  );
}
