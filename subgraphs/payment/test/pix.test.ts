// PIX copy-and-paste codes: the CRC16 checksum against published values, and the fields of a code.
import { crc16, pixChecksumValid, pixPayload } from '../src/domain/pix';

describe('when the CRC16-CCITT-FALSE checksum is computed', () => {
  test('then the standard check string 123456789 gives 29B1', () => {
    expect(crc16('123456789')).toBe('29B1');
  });

  test('then the Central Bank manual\'s example BR Code ends with its published CRC 1D3D', () => {
    const example = '00020126580014br.gov.bcb.pix0136123e4567-e12b-12d1-a456-4266554400005204000053039865802BR5913Fulano de Tal6008BRASILIA62070503***6304';
    expect(crc16(example)).toBe('1D3D');
    expect(pixChecksumValid(`${example}1D3D`)).toBe(true);
    expect(pixChecksumValid(`${example}1D3E`)).toBe(false);
  });
});

describe('when a PIX code is made for a charge', () => {
  const charge = {
    key: '123e4567-e12b-12d1-a456-426655440000', merchantName: 'Café São João Ltda', merchantCity: 'São Paulo',
    amountCents: 12_345, currency: 'BRL', txid: '0f8fad5bd9cb469fa16570867728950e',
  };

  test('then it carries each EMV field in order and a valid checksum', () => {
    const code = pixPayload(charge);
    expect(code).toBe(
      '000201'
      + '2658' + '0014br.gov.bcb.pix' + '0136123e4567-e12b-12d1-a456-426655440000'
      + '52040000' + '5303986' + '5406123.45' + '5802BR'
      + '5918Cafe Sao Joao Ltda' + '6009Sao Paulo'
      + '6229' + '05250f8fad5bd9cb469fa16570867'
      + '6304' + code.slice(-4),
    );
    expect(pixChecksumValid(code)).toBe(true);
  });

  test('then a name longer than 25 and a city longer than 15 characters are cut', () => {
    const code = pixPayload({ ...charge, merchantName: 'A'.repeat(40), merchantCity: 'B'.repeat(30) });
    expect(code).toContain(`5925${'A'.repeat(25)}6015${'B'.repeat(15)}62`);
  });

  test('then whole amounts keep two decimals', () => {
    expect(pixPayload({ ...charge, amountCents: 1_000 })).toContain('540510.00');
  });

  test('then a currency PIX cannot carry is refused', () => {
    expect(() => pixPayload({ ...charge, currency: 'JPY' })).toThrow(/JPY/);
  });
});
