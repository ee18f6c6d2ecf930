// CPF check digits and the formats users may type them in.
import { normalizeCpf } from '../src/domain/cpf';

describe('when a CPF is checked', () => {
  test.each([
    ['formatted, valid', '529.982.247-25', '52998224725'],
    ['bare digits, valid', '52998224725', '52998224725'],
    ['another valid one', '123.456.789-09', '12345678909'],
    ['a valid one whose first check digit is 0 by the rest-10 rule', '111.444.777-35', '11144477735'],
    ['surrounding spaces', '  529.982.247-25 ', '52998224725'],
  ])('then %s is accepted and stored as digits', (_case, input, expected) => {
    expect(normalizeCpf(input)).toBe(expected);
  });

  test.each([
    ['a wrong second check digit', '529.982.247-24'],
    ['a wrong first check digit', '529.982.247-15'],
    ['wrong check digits, bare', '12345678900'],
    ['all-equal digits, formatted', '111.111.111-11'],
    ['all-equal digits, bare', '00000000000'],
    ['ten digits', '5299822472'],
    ['twelve digits', '529982247250'],
    ['half-formatted', '529.982.24725'],
    ['dashes instead of dots', '529-982-247-25'],
    ['letters', '529.982.247-2a'],
    ['empty', ''],
  ])('then %s is refused', (_case, input) => {
    expect(normalizeCpf(input)).toBeNull();
  });
});
