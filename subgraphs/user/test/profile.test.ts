// Profile validation: each bad value is refused with BAD_USER_INPUT naming its field.
import { BadUserInputError } from '@desk/shared';
import { validateProfileInput, type ProfileInput } from '../src/domain/profile';

function refusal(input: ProfileInput): { code: unknown; field: unknown } | null {
  try {
    validateProfileInput(input);
    return null;
  } catch (error) {
    if (!(error instanceof BadUserInputError)) throw error;
    return { code: error.extensions.code, field: error.extensions.field };
  }
}

describe('when a profile change is validated', () => {
  test('then good values are normalized', () => {
    expect(validateProfileInput({ name: '  Ana Souza ', document: '529.982.247-25', phone: '+55 (11) 98765-4321', locale: 'pt-BR' }))
      .toEqual({ name: 'Ana Souza', document: '52998224725', phone: '+5511987654321', locale: 'pt-BR' });
  });

  test('then absent fields stay absent and null clears document and phone', () => {
    expect(validateProfileInput({})).toEqual({});
    expect(validateProfileInput({ document: null, phone: null })).toEqual({ document: null, phone: null });
  });

  test.each([
    ['a 100-character name', { name: 'a'.repeat(100) }],
    ['an 8-digit phone', { phone: '+12345678' }],
    ['a 15-digit phone', { phone: '+123456789012345' }],
    ['locale en', { locale: 'en' }],
  ])('then %s is accepted', (_case, input) => {
    expect(refusal(input)).toBeNull();
  });

  test.each([
    ['an empty name', { name: '' }, 'name'],
    ['a blank name', { name: '   ' }, 'name'],
    ['a 101-character name', { name: 'a'.repeat(101) }, 'name'],
    ['a null name', { name: null }, 'name'],
    ['a CPF with a wrong check digit', { document: '529.982.247-24' }, 'document'],
    ['an all-equal CPF', { document: '111.111.111-11' }, 'document'],
    ['a phone without +', { phone: '5511987654321' }, 'phone'],
    ['a 7-digit phone', { phone: '+1234567' }, 'phone'],
    ['a 16-digit phone', { phone: '+1234567890123456' }, 'phone'],
    ['a phone with letters', { phone: '+55 11 CALL-ME' }, 'phone'],
    ['locale pt', { locale: 'pt' }, 'locale'],
    ['locale en-US', { locale: 'en-US' }, 'locale'],
    ['a null locale', { locale: null }, 'locale'],
  ])('then %s is refused', (_case, input, field) => {
    expect(refusal(input)).toEqual({ code: 'BAD_USER_INPUT', field });
  });
});
