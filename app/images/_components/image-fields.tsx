'use client';

import { Field } from '../../_components/actions/field';
import type { FormErrors } from '../../_components/actions/form-errors';
import { inputClass } from '../../_components/actions/ui';

/** What every way of adding an image shares: optional catalogue fields, checked by the service. */
export interface ImageFieldValues {
  name: string;
  disk_format: '' | 'raw' | 'qcow2';
  image_type: '' | 'whole-disk' | 'partition';
  sha256: string;
}

export const emptyImageFields: ImageFieldValues = {
  name: '',
  disk_format: '',
  image_type: '',
  sha256: '',
};

/** Only what the operator filled in; the service detects the rest from the file. */
export function chosenFields(values: ImageFieldValues) {
  return {
    ...(values.name.trim() ? { name: values.name.trim() } : {}),
    ...(values.disk_format ? { disk_format: values.disk_format } : {}),
    ...(values.image_type ? { image_type: values.image_type } : {}),
    ...(values.sha256.trim() ? { sha256: values.sha256.trim() } : {}),
  };
}

export function ImageFields({
  prefix,
  values,
  onChange,
  errors,
  namePlaceholder,
}: {
  prefix: string;
  values: ImageFieldValues;
  onChange: (values: ImageFieldValues) => void;
  errors: FormErrors;
  namePlaceholder?: string;
}) {
  const set =
    <K extends keyof ImageFieldValues>(key: K) =>
    (event: { target: { value: string } }) =>
      onChange({ ...values, [key]: event.target.value as ImageFieldValues[K] });
  return (
    <div className="grid gap-3 sm:grid-cols-2 lg:grid-cols-4">
      <Field
        id={`${prefix}-name`}
        name="name"
        label="Name"
        help="Optional; also the image's id and file name in its URL"
        errors={errors}
      >
        {(props) => (
          <input
            {...props}
            className={inputClass}
            value={values.name}
            placeholder={namePlaceholder}
            onChange={set('name')}
          />
        )}
      </Field>
      <Field
        id={`${prefix}-disk-format`}
        name="disk_format"
        label="Disk format"
        help="Detected from the file when left on auto"
        errors={errors}
      >
        {(props) => (
          <select
            {...props}
            className={inputClass}
            value={values.disk_format}
            onChange={set('disk_format')}
          >
            <option value="">Auto</option>
            <option value="raw">raw</option>
            <option value="qcow2">qcow2</option>
          </select>
        )}
      </Field>
      <Field
        id={`${prefix}-image-type`}
        name="image_type"
        label="Image type"
        help="Auto: a partition table means whole-disk"
        errors={errors}
      >
        {(props) => (
          <select
            {...props}
            className={inputClass}
            value={values.image_type}
            onChange={set('image_type')}
          >
            <option value="">Auto</option>
            <option value="whole-disk">whole-disk</option>
            <option value="partition">partition</option>
          </select>
        )}
      </Field>
      <Field
        id={`${prefix}-sha256`}
        name="sha256"
        label="Expected SHA-256"
        help="Optional; the image is kept only if it matches"
        errors={errors}
      >
        {(props) => (
          <input
            {...props}
            className={`${inputClass} font-mono`}
            value={values.sha256}
            spellCheck={false}
            autoComplete="off"
            onChange={set('sha256')}
          />
        )}
      </Field>
    </div>
  );
}
