// Checks on what clients type into a ticket: trimmed text within bounds, a well-formed order id.
import { SUBJECT_MAX, TEXT_MAX, validateCommentBody, validateOpenTicket } from '../src/domain/ticket';

const refusal = (run: () => unknown): { code?: string; field?: string } | null => {
  try {
    run();
    return null;
  } catch (error) {
    const extensions = (error as { extensions: { code: string; field?: string } }).extensions;
    return { code: extensions.code, field: extensions.field };
  }
};

const base = { subject: 'Broken lid', description: 'The lid arrived cracked.' };

describe('when a ticket is opened', () => {
  test('then subject and description are trimmed and priority defaults to NORMAL', () => {
    expect(validateOpenTicket({ subject: '  Broken lid ', description: '\n cracked \t' }))
      .toEqual({ subject: 'Broken lid', description: 'cracked', priority: 'NORMAL', orderId: null });
  });

  test('then the given priority and a uuid order id are kept', () => {
    const orderId = '3f1b6c1e-8a3c-4c1e-9a57-6a1d2b3c4d5e';
    expect(validateOpenTicket({ ...base, priority: 'URGENT', orderId })).toMatchObject({ priority: 'URGENT', orderId });
  });

  test.each([
    ['an empty subject', { ...base, subject: '' }, 'subject'],
    ['a blank subject', { ...base, subject: '   ' }, 'subject'],
    ['a subject one character too long', { ...base, subject: 'x'.repeat(SUBJECT_MAX + 1) }, 'subject'],
    ['a blank description', { ...base, description: ' \n ' }, 'description'],
    ['a description one character too long', { ...base, description: 'x'.repeat(TEXT_MAX + 1) }, 'description'],
    ['an order id that is not a uuid', { ...base, orderId: 'order-1' }, 'orderId'],
  ])('then %s is BAD_USER_INPUT naming the field', (_case, input, field) => {
    expect(refusal(() => validateOpenTicket(input))).toEqual({ code: 'BAD_USER_INPUT', field });
  });

  test('then text at the limits is accepted', () => {
    expect(refusal(() => validateOpenTicket({ subject: 'x'.repeat(SUBJECT_MAX), description: 'y'.repeat(TEXT_MAX) }))).toBeNull();
    expect(refusal(() => validateOpenTicket({ subject: 'x', description: 'y' }))).toBeNull();
  });
});

describe('when a comment is written', () => {
  test('then its body is trimmed, and a blank or too long one is BAD_USER_INPUT on body', () => {
    expect(validateCommentBody('  thanks  ')).toBe('thanks');
    expect(refusal(() => validateCommentBody('  '))).toEqual({ code: 'BAD_USER_INPUT', field: 'body' });
    expect(refusal(() => validateCommentBody('x'.repeat(TEXT_MAX + 1)))).toEqual({ code: 'BAD_USER_INPUT', field: 'body' });
  });
});
