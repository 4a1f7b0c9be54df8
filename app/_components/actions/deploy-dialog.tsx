'use client';

import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import type { MachineRow } from '../../_server/router';
import { useTRPC } from '../../_trpc/client';
import { formatDiskBytes } from '../format';
import { formErrors } from './form-errors';
import { Modal } from './modal';
import {
  buttonClass,
  ConfirmErase,
  dangerClass,
  ErrorSummary,
  FieldError,
  PreflightList,
} from './ui';

/**
 * Deploy: an image from the lab's image service becomes the node's instance_info (source,
 * checksum, format), then the conductor deploys it. The disk it overwrites is named first.
 */
export function DeployDialog({ row, onClose }: { row: MachineRow; onClose: () => void }) {
  const trpc = useTRPC();
  const images = useQuery(trpc.machines.images.queryOptions());
  const [imageId, setImageId] = useState<string | null>(null);
  const [confirmed, setConfirmed] = useState(false);
  const preflight = useQuery(
    trpc.machines.preflight.queryOptions(
      { ident: row.uuid, action: 'deploy', imageId },
      { placeholderData: (previous) => previous },
    ),
  );
  const mutation = useMutation(trpc.machines.deploy.mutationOptions({ onSuccess: onClose }));
  const errors = formErrors(mutation.error);
  const blocked = preflight.data?.checks.some((c) => c.level === 'block') ?? true;
  const canSubmit = imageId !== null && !blocked && confirmed && !mutation.isPending;

  return (
    <Modal title={`Deploy ${row.name}`} onClose={onClose} wide>
      <form
        className="flex flex-col gap-4"
        onSubmit={(event) => {
          event.preventDefault();
          if (canSubmit && imageId) mutation.mutate({ ident: row.uuid, imageId });
        }}
      >
        <fieldset className="flex flex-col gap-2">
          <legend className="mb-1 text-sm font-medium">Image</legend>
          {images.isPending && <p className="text-sm text-zinc-500">Loading the catalogue…</p>}
          {images.error && (
            <p role="alert" className="text-sm text-red-700 dark:text-red-400">
              {images.error.message}
            </p>
          )}
          <div
            role="radiogroup"
            aria-label="Images"
            className="flex flex-col divide-y divide-zinc-100 rounded-md ring-1 ring-zinc-200 dark:divide-zinc-800 dark:ring-zinc-800"
          >
            {images.data?.map((image) => (
              <label
                key={image.id}
                className="flex cursor-pointer items-start gap-3 px-3 py-2 text-sm has-[:checked]:bg-sky-50 dark:has-[:checked]:bg-sky-950/40"
              >
                <input
                  type="radio"
                  name="image"
                  className="mt-1"
                  value={image.id}
                  checked={imageId === image.id}
                  aria-describedby={`image-${image.id}-info`}
                  onChange={() => {
                    setImageId(image.id);
                    setConfirmed(false);
                  }}
                />
                <span className="min-w-0">
                  <span className="font-medium">{image.name}</span>{' '}
                  <span className="font-mono text-xs text-zinc-500">{image.id}</span>
                  <span
                    id={`image-${image.id}-info`}
                    className="block text-xs text-zinc-500 dark:text-zinc-400"
                  >
                    {image.imageType} · {image.diskFormat} · {formatDiskBytes(image.size)} file,{' '}
                    {formatDiskBytes(image.virtualSize)} disk · sha256 {image.sha256.slice(0, 12)}…
                  </span>
                </span>
              </label>
            ))}
          </div>
          <FieldError id="image-error" message={errors.fields.imageId} />
        </fieldset>
        {imageId && <PreflightList preflight={preflight.data} loading={preflight.isFetching} />}
        {imageId && (
          <ConfirmErase checked={confirmed} onChange={setConfirmed}>
            I have read what will be overwritten on <strong>{row.name}</strong>.
          </ConfirmErase>
        )}
        <ErrorSummary errors={errors} />
        <div className="flex justify-end gap-2">
          <button type="button" className={buttonClass} onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className={dangerClass} disabled={!canSubmit}>
            {mutation.isPending ? 'Starting…' : `Deploy ${row.name}`}
          </button>
        </div>
      </form>
    </Modal>
  );
}
