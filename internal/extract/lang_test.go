package extract

import (
	"strings"
	"testing"
)

func TestDetectLanguage(t *testing.T) {
	tests := []struct {
		name, text, want string
	}{
		{"en", "The tenant agrees to pay the rent on the first day of each month. If the payment is late, " +
			"the landlord may charge a fee which will be added to the next invoice. This agreement has been signed by both parties.", "en"},
		{"de", "Der Mieter verpflichtet sich, die Miete am ersten Tag eines jeden Monats zu zahlen. Wenn die Zahlung " +
			"nicht rechtzeitig eingeht, kann der Vermieter eine Gebühr verlangen, die auf die nächste Rechnung aufgeschlagen wird.", "de"},
		{"fr", "Le locataire s'engage à payer le loyer le premier jour de chaque mois. Si le paiement est en retard, " +
			"le propriétaire peut demander des frais qui seront ajoutés à la prochaine facture. Ce contrat a été signé par les deux parties.", "fr"},
		{"es", "El inquilino se compromete a pagar el alquiler el primer día de cada mes. Si el pago se retrasa, " +
			"el propietario puede cobrar una tarifa que se añadirá a la próxima factura. Este contrato ha sido firmado por las dos partes.", "es"},
		{"it", "L'inquilino si impegna a pagare l'affitto il primo giorno di ogni mese. Se il pagamento è in ritardo, " +
			"il proprietario può addebitare una commissione che sarà aggiunta alla prossima fattura. Questo contratto è stato firmato dalle parti.", "it"},
		{"nl", "De huurder verplicht zich om de huur op de eerste dag van elke maand te betalen. Als de betaling te laat is, " +
			"kan de verhuurder een vergoeding vragen die aan de volgende factuur wordt toegevoegd. Dit contract is door beide partijen ondertekend.", "nl"},
		{"pt", "O inquilino compromete-se a pagar o aluguel no primeiro dia de cada mês. Se o pagamento estiver atrasado, " +
			"o proprietário pode cobrar uma taxa que será adicionada à próxima fatura. Este contrato foi assinado pelas duas partes.", "pt"},
		{"too short", "Der Vertrag ist gültig.", ""},
		{"empty", "", ""},
		{"numbers only", strings.Repeat("4711 0815 12.50 EUR ", 20), ""},
		{"japanese", strings.Repeat("この契約は両当事者によって署名されました。", 10), ""},
		{"word salad", strings.Repeat("xylophone quartz zebra banana ", 10), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := detectLanguage(tt.text); got != tt.want {
				t.Errorf("detectLanguage = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestStopWordsUnique: a word listed twice for one language would count
// twice.
func TestStopWordsUnique(t *testing.T) {
	for lang, list := range stopWords {
		seen := map[string]bool{}
		for _, w := range strings.Fields(list) {
			if seen[w] {
				t.Errorf("%s lists %q twice", lang, w)
			}
			seen[w] = true
		}
	}
}

func BenchmarkDetectLanguage(b *testing.B) {
	text := strings.Repeat("Der Mieter verpflichtet sich, die Miete am ersten Tag eines jeden Monats zu zahlen. ", 2000)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		detectLanguage(text)
	}
}
