import { describe, expect, it } from 'vitest';
import { formErrors } from './form-errors';

describe('formErrors', () => {
  it('puts each issue beside its field, joined when a field has several', () => {
    const errors = formErrors({
      message: 'Cannot clean demo-01: …',
      data: {
        issues: [
          { path: ['steps', '0', 'args', 'seconds'], message: 'must be a number' },
          { path: ['name'], message: 'too long' },
          { path: ['name'], message: 'has spaces' },
        ],
      },
    });
    expect(errors).toEqual({
      fields: { 'steps.0.args.seconds': 'must be a number', name: 'too long; has spaces' },
      summary: 'Fix the highlighted fields.',
    });
  });

  it('keeps the message when no field is to blame, and nothing when there is no error', () => {
    expect(formErrors({ message: 'Node is locked', data: { issues: null } })).toEqual({
      fields: {},
      summary: 'Node is locked',
    });
    expect(formErrors(null)).toEqual({ fields: {}, summary: null });
  });
});
