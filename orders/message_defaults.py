"""The built-in customer message texts (German and English); the admin can override them.

Bodies are Django templates rendered as plain text with the order in the context.
"""

FOOTER_EN = "\n\nKind regards,\nyour {{ order.shop.name }} team"
FOOTER_DE = "\n\nViele Grüße\nIhr Team von {{ order.shop.name }}"

DEFAULT_TEMPLATES: dict[str, dict[str, tuple[str, str]]] = {
    "confirmation": {
        "en": (
            "Your order {{ order.number }}",
            "Hello {{ customer.first_name }},\n\nthank you for your order {{ order.number }}.\n"
            "{% for line in lines %}{{ line.quantity }} × {{ line.name|default:line.sku }}: "
            "{{ line.net_price }} {{ order.currency }}\n{% endfor %}"
            "Total: {{ order.total }} {{ order.currency }}" + FOOTER_EN,
        ),
        "de": (
            "Ihre Bestellung {{ order.number }}",
            "Hallo {{ customer.first_name }},\n\nvielen Dank für Ihre Bestellung {{ order.number }}.\n"
            "{% for line in lines %}{{ line.quantity }} × {{ line.name|default:line.sku }}: "
            "{{ line.net_price }} {{ order.currency }}\n{% endfor %}"
            "Gesamt: {{ order.total }} {{ order.currency }}" + FOOTER_DE,
        ),
    },
    "payment_instructions": {
        "en": (
            "Please pay for your order {{ order.number }}",
            "Hello {{ customer.first_name }},\n\nplease transfer {{ amount_due }} {{ order.currency }} "
            "to {{ settings.bank_account_holder }}, IBAN {{ settings.bank_iban }}, "
            "BIC {{ settings.bank_bic }}, reference {{ order.number }}.\n"
            "We ship as soon as your payment arrives. Unpaid orders are cancelled after "
            "{{ settings.prepayment_cancel_days }} days." + FOOTER_EN,
        ),
        "de": (
            "Bitte bezahlen Sie Ihre Bestellung {{ order.number }}",
            "Hallo {{ customer.first_name }},\n\nbitte überweisen Sie {{ amount_due }} "
            "{{ order.currency }} an {{ settings.bank_account_holder }}, IBAN "
            "{{ settings.bank_iban }}, BIC {{ settings.bank_bic }}, Verwendungszweck "
            "{{ order.number }}.\nWir versenden, sobald Ihre Zahlung eingegangen ist. Unbezahlte "
            "Bestellungen werden nach {{ settings.prepayment_cancel_days }} Tagen storniert."
            + FOOTER_DE,
        ),
    },
    "payment_reminder": {
        "en": (
            "Reminder: payment for order {{ order.number }}",
            "Hello {{ customer.first_name }},\n\nwe have not yet received {{ amount_due }} "
            "{{ order.currency }} for your order {{ order.number }}. Please transfer it to IBAN "
            "{{ settings.bank_iban }}, reference {{ order.number }}." + FOOTER_EN,
        ),
        "de": (
            "Erinnerung: Zahlung für Bestellung {{ order.number }}",
            "Hallo {{ customer.first_name }},\n\nwir haben {{ amount_due }} {{ order.currency }} "
            "für Ihre Bestellung {{ order.number }} noch nicht erhalten. Bitte überweisen Sie an "
            "IBAN {{ settings.bank_iban }}, Verwendungszweck {{ order.number }}." + FOOTER_DE,
        ),
    },
    "payment_method_changed": {
        "en": (
            "Payment for your order {{ order.number }}",
            "Hello {{ customer.first_name }},\n\nwe can accept your order {{ order.number }} "
            "with prepayment only. You will receive the bank details separately." + FOOTER_EN,
        ),
        "de": (
            "Zahlung Ihrer Bestellung {{ order.number }}",
            "Hallo {{ customer.first_name }},\n\nwir können Ihre Bestellung {{ order.number }} "
            "nur gegen Vorkasse annehmen. Die Bankverbindung erhalten Sie separat." + FOOTER_DE,
        ),
    },
    "payment_received": {
        "en": (
            "Payment received for order {{ order.number }}",
            "Hello {{ customer.first_name }},\n\nthank you, your payment of {{ amount }} "
            "{{ order.currency }} has arrived." + FOOTER_EN,
        ),
        "de": (
            "Zahlung zu Bestellung {{ order.number }} erhalten",
            "Hallo {{ customer.first_name }},\n\nvielen Dank, Ihre Zahlung über {{ amount }} "
            "{{ order.currency }} ist eingegangen." + FOOTER_DE,
        ),
    },
    "cancelled": {
        "en": (
            "Cancellation of your order {{ order.number }}",
            "Hello {{ customer.first_name }},\n\nwe have cancelled{% if partial %} part of{% endif %} "
            "your order {{ order.number }}:\n{% for item in items %}{{ item.quantity }} × "
            "{{ item.sku }}\n{% endfor %}{% if reason %}Reason: {{ reason }}\n{% endif %}"
            "{% if refund %}We refund {{ refund }} {{ order.currency }}.{% endif %}" + FOOTER_EN,
        ),
        "de": (
            "Stornierung Ihrer Bestellung {{ order.number }}",
            "Hallo {{ customer.first_name }},\n\nwir haben Ihre Bestellung {{ order.number }}"
            "{% if partial %} teilweise{% endif %} storniert:\n{% for item in items %}"
            "{{ item.quantity }} × {{ item.sku }}\n{% endfor %}{% if reason %}Grund: {{ reason }}\n"
            "{% endif %}{% if refund %}Wir erstatten {{ refund }} {{ order.currency }}.{% endif %}"
            + FOOTER_DE,
        ),
    },
    "shipped": {
        "en": (
            "Your order {{ order.number }} is on its way",
            "Hello {{ customer.first_name }},\n\nyour order {{ order.number }} has been shipped."
            "{% if tracking_url %}\nTrack it: {{ tracking_url }}{% endif %}" + FOOTER_EN,
        ),
        "de": (
            "Ihre Bestellung {{ order.number }} ist unterwegs",
            "Hallo {{ customer.first_name }},\n\nIhre Bestellung {{ order.number }} wurde "
            "versandt.{% if tracking_url %}\nSendungsverfolgung: {{ tracking_url }}{% endif %}"
            + FOOTER_DE,
        ),
    },
    "delayed": {
        "en": (
            "Your order {{ order.number }} is delayed",
            "Hello {{ customer.first_name }},\n\nwe are sorry: your order {{ order.number }} "
            "will arrive later than promised." + FOOTER_EN,
        ),
        "de": (
            "Ihre Bestellung {{ order.number }} verzögert sich",
            "Hallo {{ customer.first_name }},\n\nes tut uns leid: Ihre Bestellung "
            "{{ order.number }} kommt später als angekündigt." + FOOTER_DE,
        ),
    },
    "ready_for_pickup": {
        "en": (
            "Your order {{ order.number }} is ready for pickup",
            "Hello {{ customer.first_name }},\n\nyour order {{ order.number }} is waiting for you "
            "at {{ order.pickup_location.name }}.{% if pickup_code %} Pickup code: "
            "{{ pickup_code }}{% endif %}" + FOOTER_EN,
        ),
        "de": (
            "Ihre Bestellung {{ order.number }} liegt zur Abholung bereit",
            "Hallo {{ customer.first_name }},\n\nIhre Bestellung {{ order.number }} liegt in "
            "{{ order.pickup_location.name }} für Sie bereit.{% if pickup_code %} Abholcode: "
            "{{ pickup_code }}{% endif %}" + FOOTER_DE,
        ),
    },
    "refund_issued": {
        "en": (
            "Refund for your order {{ order.number }}",
            "Hello {{ customer.first_name }},\n\nwe have refunded {{ amount }} "
            "{{ order.currency }} for your order {{ order.number }}." + FOOTER_EN,
        ),
        "de": (
            "Erstattung zu Ihrer Bestellung {{ order.number }}",
            "Hallo {{ customer.first_name }},\n\nwir haben Ihnen {{ amount }} {{ order.currency }} "
            "zu Ihrer Bestellung {{ order.number }} erstattet." + FOOTER_DE,
        ),
    },
    "payment_method_invoice": {
        "en": (
            "Payment for your order {{ order.number }}",
            "Hello {{ customer.first_name }},\n\nas agreed, you pay for your order "
            "{{ order.number }} by invoice. The invoice over {{ order.total }} "
            "{{ order.currency }} comes with your parcel; no payment is taken from your card "
            "or account." + FOOTER_EN,
        ),
        "de": (
            "Zahlung Ihrer Bestellung {{ order.number }}",
            "Hallo {{ customer.first_name }},\n\nwie besprochen bezahlen Sie Ihre Bestellung "
            "{{ order.number }} auf Rechnung. Die Rechnung über {{ order.total }} "
            "{{ order.currency }} liegt Ihrem Paket bei; von Ihrer Karte oder Ihrem Konto wird "
            "nichts abgebucht." + FOOTER_DE,
        ),
    },
    "goodwill_voucher": {
        "en": (
            "A voucher for you: {{ code }}",
            "Hello {{ customer.first_name }},\n\nwe are sorry about the trouble with your order "
            "{{ order.number }}. As a small thank-you for your patience, here is a voucher"
            "{% if value %} worth {{ value }} {{ order.currency }}{% endif %}:\n\n{{ code }}\n\n"
            "Simply enter the code with your next order." + FOOTER_EN,
        ),
        "de": (
            "Ein Gutschein für Sie: {{ code }}",
            "Hallo {{ customer.first_name }},\n\nes tut uns leid, dass es mit Ihrer Bestellung "
            "{{ order.number }} Ärger gab. Als kleines Dankeschön für Ihre Geduld erhalten Sie "
            "einen Gutschein{% if value %} über {{ value }} {{ order.currency }}{% endif %}:\n\n"
            "{{ code }}\n\nGeben Sie den Code einfach bei Ihrer nächsten Bestellung ein."
            + FOOTER_DE,
        ),
    },
}
