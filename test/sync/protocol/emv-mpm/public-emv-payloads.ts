/**
 * EMV MPM payloads published by others (specification examples and open-source libraries' test
 * suites), with the fields they are documented to carry. None were written by this project; each
 * names the public repository and path it comes from. Used by the decoder tests and the CLI tests.
 */

export interface PublicEmvPayload {
  readonly name: string;
  /** Repository and path (or package and path) the payload was copied from. */
  readonly source: string;
  readonly payload: string;
  readonly expected: {
    readonly valid: boolean;
    readonly pointOfInitiation: '11' | '12' | null;
    readonly mcc: string | null;
    readonly currency: string | null;
    readonly amount: string | null;
    readonly country: string | null;
    readonly merchantName: string | null;
    readonly merchantCity: string | null;
    readonly crc: string;
    /** Warning codes, in order. */
    readonly warnings: readonly string[];
  };
}

const nationalProfileWithout52_59_60 = ['national-profile', 'national-profile', 'national-profile'] as const;

export const publicEmvPayloads: readonly PublicEmvPayload[] = [
  {
    name: 'EMVCo MPM specification example (China, alternate-language template, unreserved template 91)',
    source: 'npm emv-qrcps@0.0.7 test/qrcodes/merchant/index.js (QRCODES._1)',
    payload:
      '00020101021229300012D156000000000510A93FO3230Q31280012D15600000001030812345678520441115303156540523.725502015802CN5914BEST TRANSPORT6007BEIJING6233030412340603***0708A60086670902ME64200002ZH0104最佳运输0202北京91320016A01122334499887707081234567863047D4F',
    expected: { valid: true, pointOfInitiation: '12', mcc: '4111', currency: '156', amount: '23.72', country: 'CN', merchantName: 'BEST TRANSPORT', merchantCity: 'BEIJING', crc: '7D4F', warnings: [] },
  },
  {
    name: 'Philippines P2P QR Ph (PayMaya), static',
    source: 'npm emv-qrcps@0.0.7 test/qrcodes/merchant/index.js (QRCODES._2)',
    payload: '00020101021127750012com.p2pqrpay0111PAPHPHM1XXX0208999644030411099859039430513+6399859039435204601653036085802PH5912PayMaya User6011Mandaluyong630475C3',
    expected: { valid: true, pointOfInitiation: '11', mcc: '6016', currency: '608', amount: null, country: 'PH', merchantName: 'PayMaya User', merchantCity: 'Mandaluyong', crc: '75C3', warnings: [] },
  },
  {
    name: 'Philippines P2P QR Ph (PayMaya) with amount',
    source: 'npm emv-qrcps@0.0.7 test/qrcodes/merchant/index.js (QRCODES._3)',
    payload: '00020101021127750012com.p2pqrpay0111PAPHPHM1XXX0208999644030411099859039430513+6399859039435204601653036085405390.85802PH5912PayMaya User6011Mandaluyong63049025',
    expected: { valid: true, pointOfInitiation: '11', mcc: '6016', currency: '608', amount: '390.8', country: 'PH', merchantName: 'PayMaya User', merchantCity: 'Mandaluyong', crc: '9025', warnings: [] },
  },
  {
    name: 'Philippines bills payment with unreserved template 80',
    source: 'npm emv-qrcps@0.0.7 test/qrcodes/merchant/index.js (QRCODES._4)',
    payload:
      '00020101021226150011com.paymaya52044111530360854061000.05802PH5920CIS BAYAD CENTER INC6005Pasig62500110022394211350320020com.paymaya.billspay0104pldt80570015com.bayadcenter0105002140205PLDT6041012345678900702PD6304955F',
    expected: { valid: true, pointOfInitiation: '12', mcc: '4111', currency: '608', amount: '1000.0', country: 'PH', merchantName: 'CIS BAYAD CENTER INC', merchantCity: 'Pasig', crc: '955F', warnings: [] },
  },
  {
    name: 'Brazil SPI example, static',
    source: 'npm emv-qrcps@0.0.7 test/qrcodes/merchant/index.js (QRCODES._5)',
    payload: '00020101021126440014br.gov.bcb.spi0122fulano2019@example.com5204000053039865802BR5913FULANO DE TAL6008BRASILIA6304DFE3',
    expected: { valid: true, pointOfInitiation: '11', mcc: '0000', currency: '986', amount: null, country: 'BR', merchantName: 'FULANO DE TAL', merchantCity: 'BRASILIA', crc: 'DFE3', warnings: [] },
  },
  {
    name: 'Brazil SPI example, dynamic with URL template 80',
    source: 'npm emv-qrcps@0.0.7 test/qrcodes/merchant/index.js (QRCODES._6)',
    payload:
      '00020101021226740014br.gov.bcb.spi210812345678220412342308123456782420001122334455667788995204000053039865406123.455802BR5913FULANO DE TAL6008BRASILIA62190515RP12345678-201980720014br.gov.bcb.spi2550bx.com.br/spi/U0VHUkVET1RPVEFMTUVOVEVBTEVBVE9SSU8=630434D1',
    expected: { valid: true, pointOfInitiation: '12', mcc: '0000', currency: '986', amount: '123.45', country: 'BR', merchantName: 'FULANO DE TAL', merchantCity: 'BRASILIA', crc: '34D1', warnings: [] },
  },
  {
    name: 'Thailand PromptPay, local phone number (omits 52/59/60)',
    source: 'dtinth/promptpay-qr index.test.js ("Local phone number")',
    payload: '00020101021129370016A000000677010111011300668012345675802TH530376463046197',
    expected: { valid: true, pointOfInitiation: '11', mcc: null, currency: '764', amount: null, country: 'TH', merchantName: null, merchantCity: null, crc: '6197', warnings: nationalProfileWithout52_59_60 },
  },
  {
    name: 'Thailand PromptPay, international phone number',
    source: 'dtinth/promptpay-qr index.test.js ("Dashed phone number")',
    payload: '00020101021129370016A000000677010111011300668912345675802TH5303764630429C1',
    expected: { valid: true, pointOfInitiation: '11', mcc: null, currency: '764', amount: null, country: 'TH', merchantName: null, merchantCity: null, crc: '29C1', warnings: nationalProfileWithout52_59_60 },
  },
  {
    name: 'Thailand PromptPay, national ID',
    source: 'dtinth/promptpay-qr index.test.js ("National ID number")',
    payload: '00020101021129370016A000000677010111021311111111111115802TH530376463047B5A',
    expected: { valid: true, pointOfInitiation: '11', mcc: null, currency: '764', amount: null, country: 'TH', merchantName: null, merchantCity: null, crc: '7B5A', warnings: nationalProfileWithout52_59_60 },
  },
  {
    name: 'Thailand PromptPay, tax ID',
    source: 'dtinth/promptpay-qr index.test.js ("Tax ID number")',
    payload: '00020101021129370016A000000677010111021301234567890125802TH530376463040CBD',
    expected: { valid: true, pointOfInitiation: '11', mcc: null, currency: '764', amount: null, country: 'TH', merchantName: null, merchantCity: null, crc: '0CBD', warnings: nationalProfileWithout52_59_60 },
  },
  {
    name: 'Thailand PromptPay, dynamic with amount',
    source: 'dtinth/promptpay-qr index.test.js ("Amount")',
    payload: '00020101021229370016A000000677010111011300660000000005802TH530376454044.226304E469',
    expected: { valid: true, pointOfInitiation: '12', mcc: null, currency: '764', amount: '4.22', country: 'TH', merchantName: null, merchantCity: null, crc: 'E469', warnings: nationalProfileWithout52_59_60 },
  },
  {
    name: 'Brazil Pix, static with amount (no point of initiation)',
    source: 'thalesog/pix-utils tests/emvCodes.ts (STATIC_TEST_EMV)',
    payload: '00020126510014br.gov.bcb.pix0115thalesog@me.com0210Pedido 123520400005303986540510.005802BR5914Thales Ogliari6015SAO MIGUEL DO O62070503***63044367',
    expected: { valid: true, pointOfInitiation: null, mcc: '0000', currency: '986', amount: '10.00', country: 'BR', merchantName: 'Thales Ogliari', merchantCity: 'SAO MIGUEL DO O', crc: '4367', warnings: [] },
  },
  {
    name: 'Brazil Pix, static without amount element',
    source: 'thalesog/pix-utils tests/emvCodes.ts (STATIC_TEST_NO_VALUE_ELEMENT_EMV)',
    payload: '00020126510014br.gov.bcb.pix0115thalesog@me.com0210Pedido 1235204000053039865802BR5914Thales Ogliari6015SAO MIGUEL DO O62070503***63042C6B',
    expected: { valid: true, pointOfInitiation: null, mcc: '0000', currency: '986', amount: null, country: 'BR', merchantName: 'Thales Ogliari', merchantCity: 'SAO MIGUEL DO O', crc: '2C6B', warnings: [] },
  },
  {
    name: 'Brazil Pix, dynamic (payload URL)',
    source: 'thalesog/pix-utils tests/emvCodes.ts (DYNAMIC_TEST_EMV)',
    payload: '00020126740014br.gov.bcb.pix2552payload.psp.com/3ec9d2f9-5f03-4e0e-820d-63a81e769e875204000053039865802BR5914Thales Ogliari6015SAO MIGUEL DO O62070503***63040C64',
    expected: { valid: true, pointOfInitiation: null, mcc: '0000', currency: '986', amount: null, country: 'BR', merchantName: 'Thales Ogliari', merchantCity: 'SAO MIGUEL DO O', crc: '0C64', warnings: [] },
  },
  {
    name: 'Singapore PayNow (SGQR), a charity fund code',
    source: 'daffodilistic/pyPayNowSg tests/test_payload.py (TEST_CODE_1)',
    payload: '00020101021126400009SG.PAYNOW010120213200002150HWCF030115204000053037025802SG5923NATIONAL HEALTHCARE GRO6009Singapore6304DF3F',
    expected: { valid: true, pointOfInitiation: '11', mcc: '0000', currency: '702', amount: null, country: 'SG', merchantName: 'NATIONAL HEALTHCARE GRO', merchantCity: 'Singapore', crc: 'DF3F', warnings: [] },
  },
  {
    name: 'Vietnam VietQR (NAPAS) merchant, static',
    source: 'liopayvn/vietqr-php README.md ("Build a Static Payment QR Code")',
    payload: '00020101021138480010A00000072701300006970403011621129950446040255204581253037045802VN5910PHUONG CAC6005HANOI62110307NPS686963045802',
    expected: { valid: true, pointOfInitiation: '11', mcc: '5812', currency: '704', amount: null, country: 'VN', merchantName: 'PHUONG CAC', merchantCity: 'HANOI', crc: '5802', warnings: [] },
  },
  {
    name: 'Vietnam VietQR bank transfer, static (omits 52/59/60)',
    source: 'xuannghia/vietnam-qr-pay README.md ("VietQR Tĩnh")',
    payload: '00020101021138530010A0000007270123000697041601092576788590208QRIBFTTA53037045802VN6304AE9F',
    expected: { valid: true, pointOfInitiation: '11', mcc: null, currency: '704', amount: null, country: 'VN', merchantName: null, merchantCity: null, crc: 'AE9F', warnings: nationalProfileWithout52_59_60 },
  },
  {
    name: 'Vietnam VietQR bank transfer, dynamic with purpose',
    source: 'xuannghia/vietnam-qr-pay README.md ("VietQR Động")',
    payload: '00020101021238530010A0000007270123000697041601092576788590208QRIBFTTA53037045405100005802VN62150811Chuyen tien630453E6',
    expected: { valid: true, pointOfInitiation: '12', mcc: null, currency: '704', amount: '10000', country: 'VN', merchantName: null, merchantCity: null, crc: '53E6', warnings: nationalProfileWithout52_59_60 },
  },
  {
    name: 'Vietnam VNPay QR (omits 52 and 60)',
    source: 'xuannghia/vietnam-qr-pay README.md ("VNPay")',
    payload: '00020101021126280010A0000007750110010531314453037045408210900005802VN5910CELLPHONES62600312CPSHN ONLINE0517021908061613127850705ONLHN0810CellphoneS63047685',
    expected: { valid: true, pointOfInitiation: '11', mcc: null, currency: '704', amount: '21090000', country: 'VN', merchantName: 'CELLPHONES', merchantCity: null, crc: '7685', warnings: ['national-profile', 'national-profile'] },
  },
  {
    name: 'Philippines QR Ph P2P',
    source: 'NikoTung/emv-qrcode-kotlin src/test/kotlin/qrcode/emv/decoder/MerchantPresentModeDecodeTest.kt',
    payload: '00020101021127770012com.p2pqrpay0111EAWRPHM2XXX02089996440304125000134020460514+63-91788179125204601653036085802PH5914Komoo Testingg6006AMADEO63041E6F',
    expected: { valid: true, pointOfInitiation: '11', mcc: '6016', currency: '608', amount: null, country: 'PH', merchantName: 'Komoo Testingg', merchantCity: 'AMADEO', crc: '1E6F', warnings: [] },
  },
  {
    name: 'Indonesia QRIS (DOKU acquirer, QRIS switching template 51)',
    source: 'purnama/spring-qris src/test/java/id/purnama/qris/SpringQrisApplicationTests.java (contextLoads)',
    payload:
      '00020101021126530012COM.DOKU.WWW011893600899000000247502042475030' +
      '3URE51440014ID.CO.QRIS.WWW0215ID10200392934820303URE5204539953033605802ID5911GUREUM SHOP6013JAKARTA PUSAT61051064062070703A016304455C',
    expected: { valid: true, pointOfInitiation: '11', mcc: '5399', currency: '360', amount: null, country: 'ID', merchantName: 'GUREUM SHOP', merchantCity: 'JAKARTA PUSAT', crc: '455C', warnings: [] },
  },
  {
    name: 'Indonesia QRIS example with tip indicator 55 and postal code',
    source: '2ndsilencerz/fatalisa-public-api service/qris/qris_mpm_parse_test.go (testDataMpm.Raw)',
    payload: '00020101021126670018ID.CO.EXAMPLE2.WWW01159360056701234560215MIDCONTOH1234560303UMI5204123453033605502015802ID5914NamaMerchantC76009NamaKota16110123456789062070703K1963040BE8',
    expected: { valid: true, pointOfInitiation: '11', mcc: '1234', currency: '360', amount: null, country: 'ID', merchantName: 'NamaMerchantC7', merchantCity: 'NamaKota1', crc: '0BE8', warnings: [] },
  },
  {
    name: 'Vietnam AirPay merchant',
    source: 'xuannghia/vietnam-qr-pay test/test-airpay-qr.spec.ts',
    payload: '00020101021126610013vn.airpay.www014000000201010100064185noC4efDjGKq0or5GbeBz5204581253037045910RESTAURANT6009HOCHIMINH5802VN6304DA5C',
    expected: { valid: true, pointOfInitiation: '11', mcc: '5812', currency: '704', amount: null, country: 'VN', merchantName: 'RESTAURANT', merchantCity: 'HOCHIMINH', crc: 'DA5C', warnings: [] },
  },
];

/** Invalid payloads published as such. */
export const publicInvalidEmvPayloads: readonly { readonly name: string; readonly source: string; readonly payload: string; readonly errorCode: string }[] = [
  {
    name: 'VietQR with a zeroed CRC',
    source: 'liopayvn/vietqr-php tests/Unit/Parser/QRParserTest.php (testParseInvalidCRCThrowsException)',
    payload: '00020101021138470010A00000072701290006970403011521129950446042552045812' + '53037045802VN5910PHUONG CAC6005HANOI62110507NPS686963040000',
    errorCode: 'crc-mismatch',
  },
];
