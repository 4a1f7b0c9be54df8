'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { formatDiskBytes } from '../../_components/format';
import { formErrors } from '../../_components/actions/form-errors';
import { buttonClass, ErrorSummary, inputClass, primaryClass } from '../../_components/actions/ui';
import { useTRPC, useTRPCClient } from '../../_trpc/client';
import { Field } from '../../_components/actions/field';
import { chosenFields, emptyImageFields, ImageFields } from './image-fields';
import type { UploadedImage } from './types';
import { uploadImage, type UploadProgress } from './upload-image';

type Source = 'upload' | 'url' | 'path';

const SOURCES: { value: Source; label: string }[] = [
  { value: 'upload', label: 'Upload a file' },
  { value: 'url', label: 'From a URL' },
  { value: 'path', label: 'From a path on the console host' },
];

/** Three ways into the catalogue, as tabs; each form keeps its own fields and errors. */
export function AddImageForm() {
  const [source, setSource] = useState<Source>('upload');
  const tabs = useRef<Record<Source, HTMLButtonElement | null>>({
    upload: null,
    url: null,
    path: null,
  });
  const move = (by: number) => {
    const index = SOURCES.findIndex((s) => s.value === source);
    const next = SOURCES[(index + by + SOURCES.length) % SOURCES.length]!.value;
    setSource(next);
    tabs.current[next]?.focus();
  };
  return (
    <section
      aria-labelledby="add-image-heading"
      className="flex flex-col gap-3 rounded-lg p-4 ring-1 ring-zinc-200 dark:ring-zinc-800"
    >
      <h2 id="add-image-heading" className="text-sm font-semibold">
        Add an image
      </h2>
      <div
        role="tablist"
        aria-label="Add an image from"
        className="flex flex-wrap gap-1 border-b border-zinc-200 dark:border-zinc-800"
        onKeyDown={(event) => {
          if (event.key === 'ArrowRight') move(1);
          else if (event.key === 'ArrowLeft') move(-1);
        }}
      >
        {SOURCES.map(({ value, label }) => (
          <button
            key={value}
            ref={(el) => {
              tabs.current[value] = el;
            }}
            type="button"
            role="tab"
            id={`add-tab-${value}`}
            aria-selected={source === value}
            aria-controls={`add-panel-${value}`}
            tabIndex={source === value ? 0 : -1}
            onClick={() => setSource(value)}
            className={`border-b-2 px-3 py-2 text-sm ${
              source === value
                ? 'border-sky-600 font-medium dark:border-sky-400'
                : 'border-transparent text-zinc-500 hover:text-zinc-800 dark:text-zinc-400 dark:hover:text-zinc-200'
            }`}
          >
            {label}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`add-panel-${source}`} aria-labelledby={`add-tab-${source}`}>
        {source === 'upload' && <UploadForm />}
        {source === 'url' && <UrlForm />}
        {source === 'path' && <PathForm />}
      </div>
    </section>
  );
}

function useRefreshCatalogue() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return () => void queryClient.invalidateQueries({ queryKey: trpc.images.list.queryKey() });
}

function Added({ image }: { image: { id: string; sha256: string; size: number } }) {
  return (
    <p role="status" className="text-sm text-emerald-700 dark:text-emerald-400">
      Added <span className="font-medium">{image.id}</span> ({formatDiskBytes(image.size)}, SHA-256{' '}
      <span className="font-mono">{image.sha256.slice(0, 12)}…</span>).
    </p>
  );
}

/** Seconds since `since`, ticking while a request that reports no progress is pending. */
function useElapsed(since: number | null): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (since === null) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [since]);
  return since === null ? 0 : Math.max(0, Math.round((now - since) / 1000));
}

function Pending({ children }: { children: ReactNode }) {
  return (
    <div
      role="status"
      className="flex items-center gap-2 rounded-md bg-sky-50 px-3 py-2 text-sm text-sky-900 dark:bg-sky-950/40 dark:text-sky-200"
    >
      <span
        aria-hidden="true"
        className="inline-block size-3 animate-spin rounded-full border-2 border-current border-t-transparent"
      />
      <span>{children}</span>
    </div>
  );
}

function UrlForm() {
  const trpc = useTRPC();
  const refresh = useRefreshCatalogue();
  const [url, setUrl] = useState('');
  const [fields, setFields] = useState(emptyImageFields);
  const [since, setSince] = useState<number | null>(null);
  const elapsed = useElapsed(since);
  const mutation = useMutation(
    trpc.images.addUrl.mutationOptions({
      onMutate: () => setSince(Date.now()),
      onSettled: () => setSince(null),
      onSuccess: () => {
        setUrl('');
        setFields(emptyImageFields);
        refresh();
      },
    }),
  );
  const errors = formErrors(mutation.error);
  // The service reports how far each download has got; poll it only while ours runs.
  const downloads = useQuery({
    ...trpc.images.downloads.queryOptions(),
    enabled: mutation.isPending,
    refetchInterval: 1000,
  });
  const ours = downloads.data?.find((d) => d.url === mutation.variables?.url);
  return (
    <form
      aria-label="Add an image from a URL"
      className="flex flex-col gap-3"
      onSubmit={(event) => {
        event.preventDefault();
        mutation.mutate({ url: url.trim(), ...chosenFields(fields) });
      }}
    >
      <Field
        id="add-url"
        name="url"
        label="Image URL"
        help="The image service downloads it (http or https) and computes its checksums"
        errors={errors}
      >
        {(props) => (
          <input
            {...props}
            type="url"
            required
            className={`${inputClass} font-mono`}
            value={url}
            placeholder="https://mirror.example/images/disk.qcow2"
            onChange={(e) => setUrl(e.target.value)}
          />
        )}
      </Field>
      <ImageFields prefix="url" values={fields} onChange={setFields} errors={errors} />
      {mutation.isPending && (
        <Pending>
          Downloading {url.trim()}… {elapsed} s.{' '}
          {ours
            ? ours.totalBytes
              ? `Received ${formatDiskBytes(ours.receivedBytes)} of ${formatDiskBytes(ours.totalBytes)} (${Math.floor((100 * ours.receivedBytes) / Math.max(1, ours.totalBytes))} %).`
              : `Received ${formatDiskBytes(ours.receivedBytes)} (the server did not say how much).`
            : 'Connecting…'}{' '}
          The image appears once it is stored and hashed.
        </Pending>
      )}
      <ErrorSummary errors={errors} />
      {mutation.data && !mutation.isPending && <Added image={mutation.data} />}
      <div>
        <button type="submit" className={primaryClass} disabled={mutation.isPending}>
          {mutation.isPending ? 'Downloading…' : 'Add from URL'}
        </button>
      </div>
    </form>
  );
}

function PathForm() {
  const trpc = useTRPC();
  const refresh = useRefreshCatalogue();
  const [path, setPath] = useState('');
  const [fields, setFields] = useState(emptyImageFields);
  const mutation = useMutation(
    trpc.images.addPath.mutationOptions({
      onSuccess: () => {
        setPath('');
        setFields(emptyImageFields);
        refresh();
      },
    }),
  );
  const errors = formErrors(mutation.error);
  return (
    <form
      aria-label="Add an image from a path on the console host"
      className="flex flex-col gap-3"
      onSubmit={(event) => {
        event.preventDefault();
        mutation.mutate({ path: path.trim(), ...chosenFields(fields) });
      }}
    >
      <Field
        id="add-path"
        name="path"
        label="Path on the console host"
        help="An absolute path the console's process can read; the file is served in place, not copied"
        errors={errors}
      >
        {(props) => (
          <input
            {...props}
            required
            className={`${inputClass} font-mono`}
            value={path}
            placeholder="/srv/images/disk.raw"
            onChange={(e) => setPath(e.target.value)}
          />
        )}
      </Field>
      <ImageFields prefix="path" values={fields} onChange={setFields} errors={errors} />
      {mutation.isPending && <Pending>Hashing {path.trim()}…</Pending>}
      <ErrorSummary errors={errors} />
      {mutation.data && !mutation.isPending && <Added image={mutation.data} />}
      <div>
        <button type="submit" className={primaryClass} disabled={mutation.isPending}>
          {mutation.isPending ? 'Adding…' : 'Add from path'}
        </button>
      </div>
    </form>
  );
}

function UploadForm() {
  const client = useTRPCClient();
  const refresh = useRefreshCatalogue();
  const [file, setFile] = useState<File | null>(null);
  const [fields, setFields] = useState(emptyImageFields);
  const [progress, setProgress] = useState<UploadProgress | null>(null);
  const abort = useRef<AbortController | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const upload = useMutation({
    mutationFn: (vars: { file: File; fields: ReturnType<typeof chosenFields> }) => {
      abort.current = new AbortController();
      return uploadImage(
        vars.file,
        { name: vars.file.name, ...vars.fields },
        {
          begin: (input) => client.images.beginUpload.mutate(input),
          cancel: (input) => client.images.cancelUpload.mutate(input),
        },
        setProgress,
        abort.current.signal,
      );
    },
    onSettled: () => {
      abort.current = null;
      setProgress(null);
    },
    onSuccess: (_image: UploadedImage) => {
      setFile(null);
      setFields(emptyImageFields);
      if (fileInput.current) fileInput.current.value = '';
      refresh();
    },
  });
  const errors = formErrors(upload.error);
  const percent = progress && progress.total > 0 ? (progress.stored / progress.total) * 100 : 0;
  return (
    <form
      aria-label="Upload an image"
      className="flex flex-col gap-3"
      onSubmit={(event) => {
        event.preventDefault();
        if (file) upload.mutate({ file, fields: chosenFields(fields) });
      }}
    >
      <div className="flex flex-col gap-1">
        <label htmlFor="upload-file" className="text-sm font-medium">
          Image file
        </label>
        <input
          ref={fileInput}
          id="upload-file"
          type="file"
          required
          aria-describedby="upload-file-help"
          className="text-sm file:mr-3 file:rounded-md file:border-0 file:bg-zinc-100 file:px-3 file:py-1 file:text-sm file:font-medium hover:file:bg-zinc-200 dark:file:bg-zinc-800 dark:file:text-zinc-100 dark:hover:file:bg-zinc-700"
          onChange={(e) => setFile(e.target.files?.[0] ?? null)}
        />
        <p id="upload-file-help" className="text-xs text-zinc-500 dark:text-zinc-400">
          Sent in pieces to the image service, which hashes it on the way to disk.
          {file ? ` ${file.name}: ${formatDiskBytes(file.size)}.` : ''}
        </p>
      </div>
      <ImageFields
        prefix="upload"
        values={fields}
        onChange={setFields}
        errors={errors}
        namePlaceholder={file?.name}
      />
      {upload.isPending && (
        <div role="status" className="flex flex-col gap-1 text-sm">
          <progress
            aria-label={`Uploading ${file?.name ?? 'the image'}`}
            max={100}
            value={percent}
            className="h-2 w-full max-w-xl accent-sky-700"
          />
          <span>
            {progress
              ? `Stored ${formatDiskBytes(progress.stored)} of ${formatDiskBytes(progress.total)} (${Math.floor(percent)} %)`
              : 'Checking the fields…'}
          </span>
        </div>
      )}
      <ErrorSummary errors={errors} />
      {upload.data && !upload.isPending && <Added image={upload.data} />}
      <div className="flex gap-2">
        <button type="submit" className={primaryClass} disabled={!file || upload.isPending}>
          {upload.isPending ? 'Uploading…' : 'Upload'}
        </button>
        {upload.isPending && (
          <button type="button" className={buttonClass} onClick={() => abort.current?.abort()}>
            Cancel upload
          </button>
        )}
      </div>
    </form>
  );
}
