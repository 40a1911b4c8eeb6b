/* cdop ui, the analysis form: offers "modifiable" from the four domain
 * scores as they are chosen (SPEC §3: yes exactly when a domain scores 2;
 * otherwise no, or insufficient_information only when a domain scores 0).
 * A choice that already fits the scores is kept. The server applies the
 * same rule (and offers the value itself on "Offer from the scores"), so
 * the form works the same without this script. */
(function () {
	'use strict';
	var domains = ['child', 'social_environment', 'physical_environment',
		       'service_provision'];

	function checked(name) {
		var e = document.querySelector('input[name="' + name + '"]:checked');
		return e ? e.value : '';
	}

	function offer() {
		var any0 = false, any2 = false, i, s, v, want, e;

		for (i = 0; i < domains.length; i++) {
			s = checked('domains.' + domains[i]);
			if (s === '')
				return; /* not all scored yet */
			any0 = any0 || s === '0';
			any2 = any2 || s === '2';
		}
		v = checked('modifiable');
		if (any2 ? v === 'yes' : v === 'no' || (any0 && v === 'insufficient_information'))
			return;
		want = any2 ? 'yes' : any0 ? 'insufficient_information' : 'no';
		e = document.querySelector('input[name="modifiable"][value="' + want + '"]');
		if (e)
			e.checked = true;
	}

	document.addEventListener('change', function (ev) {
		var n = ev.target && ev.target.name;

		if (n && n.indexOf('domains.') === 0)
			offer();
	});
}());
