'use client';

import Link from 'next/link';
import { formatAge, formatDiskBytes, formatInstant } from '../../_components/format';
import { buttonClass } from '../../_components/actions/ui';
import { useLabClock } from '../../_components/lab-clock';
import { machineHref } from '../../_components/machine-cells';
import { CopyButton } from './copy-button';
import type { CatalogueImage } from './types';

const th =
  'px-3 py-2 text-left text-xs font-medium tracking-wide text-zinc-500 uppercase dark:text-zinc-400';
const td = 'px-3 py-2 align-top';
const sub = 'text-xs text-zinc-500 dark:text-zinc-400';
const link = 'text-sky-800 hover:underline dark:text-sky-300';

const SOURCE_LABEL: Record<CatalogueImage['source'], string> = {
  sample: 'sample',
  upload: 'uploaded',
  url: 'downloaded',
  path: 'host file',
};

/** The catalogue: what each image is, how to fetch and verify it, and who uses it. */
export function CatalogueTable({
  images,
  onDelete,
}: {
  images: CatalogueImage[];
  onDelete: (image: CatalogueImage) => void;
}) {
  const { now } = useLabClock();
  return (
    <div className="overflow-x-auto rounded-lg ring-1 ring-zinc-200 dark:ring-zinc-800">
      <table className="w-full text-sm">
        <caption className="sr-only">Images in the catalogue</caption>
        <thead className="bg-zinc-50 dark:bg-zinc-900">
          <tr>
            {['Image', 'Format', 'Size', 'SHA-256', 'Files', 'Created', 'Used by', ''].map(
              (h, i) => (
                <th key={h || i} scope="col" className={th}>
                  {h || <span className="sr-only">Actions</span>}
                </th>
              ),
            )}
          </tr>
        </thead>
        <tbody className="divide-y divide-zinc-100 dark:divide-zinc-800">
          {images.map((image) => {
            const created = Date.parse(image.created_at);
            return (
              <tr key={image.id} data-image-id={image.id}>
                <th scope="row" className={`${td} text-left font-normal`}>
                  <div className="font-medium">{image.name}</div>
                  <div className={`${sub} font-mono`}>{image.id}</div>
                  <div className={sub}>
                    {SOURCE_LABEL[image.source]}
                    {image.source === 'url' || image.source === 'path' ? (
                      <span className="font-mono break-all"> {image.origin}</span>
                    ) : null}
                  </div>
                </th>
                <td className={`${td} whitespace-nowrap`}>
                  <div data-testid="disk-format">{image.disk_format}</div>
                  <div className={sub} data-testid="image-type">
                    {image.image_type}
                  </div>
                </td>
                <td className={`${td} whitespace-nowrap`}>
                  <div title={`${image.size.toLocaleString()} bytes`}>
                    {formatDiskBytes(image.size)}
                  </div>
                  {image.virtual_size !== image.size && (
                    <div className={sub}>{formatDiskBytes(image.virtual_size)} disk</div>
                  )}
                </td>
                <td className={`${td} whitespace-nowrap`}>
                  <code
                    title={image.sha256}
                    data-sha256={image.sha256}
                    className="font-mono text-xs"
                  >
                    {image.sha256.slice(0, 12)}…
                  </code>{' '}
                  <CopyButton value={image.sha256} label={`Copy the SHA-256 of ${image.id}`} />
                </td>
                <td className={td}>
                  <a href={image.file_url} className={`${link} font-mono text-xs break-all`}>
                    {image.file_url}
                  </a>
                  <div className={`${sub} flex gap-2`}>
                    {(['sha256', 'sha512', 'md5'] as const).map((algo) => (
                      <a
                        key={algo}
                        href={image.checksum_urls[algo]}
                        className={link}
                        aria-label={`${algo} checksum file of ${image.id}`}
                      >
                        .{algo}
                      </a>
                    ))}
                  </div>
                </td>
                <td className={`${td} whitespace-nowrap`}>
                  <time dateTime={image.created_at} title={formatInstant(created)}>
                    {formatInstant(created)}
                  </time>
                  {now !== null && <div className={sub}>{formatAge(created, now)}</div>}
                </td>
                <td className={td}>
                  {image.usedBy.length === 0 ? (
                    <span className={sub}>no machine</span>
                  ) : (
                    <ul>
                      {image.usedBy.map((user) => (
                        <li key={user.node}>
                          <Link href={machineHref(user.node)} className={link}>
                            {user.node}
                          </Link>{' '}
                          <span className={sub}>{user.provisionState}</span>
                        </li>
                      ))}
                    </ul>
                  )}
                </td>
                <td className={`${td} text-right`}>
                  <button
                    type="button"
                    className={buttonClass}
                    aria-label={`Delete ${image.id}`}
                    onClick={() => onDelete(image)}
                  >
                    Delete
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
