"""Fixed lists used by the forms and the admin: municipalities, communities, times."""

from django.utils.translation import gettext_lazy as _

OUTSIDE_KOSOVO = "jashte"

# Kosovo's 38 municipalities by their Albanian names (the official names used on
# both language versions of the site), stored by a stable ASCII code.
MUNICIPALITIES = [
    ("decan", "Deçan"),
    ("dragash", "Dragash"),
    ("ferizaj", "Ferizaj"),
    ("fushe-kosove", "Fushë Kosovë"),
    ("gjakove", "Gjakovë"),
    ("gjilan", "Gjilan"),
    ("drenas", "Drenas (Gllogoc)"),
    ("gracanice", "Graçanicë"),
    ("hani-i-elezit", "Hani i Elezit"),
    ("istog", "Istog"),
    ("junik", "Junik"),
    ("kacanik", "Kaçanik"),
    ("kamenice", "Kamenicë"),
    ("kline", "Klinë"),
    ("kllokot", "Kllokot"),
    ("leposaviq", "Leposaviq"),
    ("lipjan", "Lipjan"),
    ("malisheve", "Malishevë"),
    ("mamushe", "Mamushë"),
    ("mitrovice-jug", "Mitrovicë e Jugut"),
    ("mitrovice-veri", "Mitrovicë e Veriut"),
    ("novoberde", "Novobërdë"),
    ("obiliq", "Obiliq"),
    ("partesh", "Partesh"),
    ("peje", "Pejë"),
    ("podujeve", "Podujevë"),
    ("prishtine", "Prishtinë"),
    ("prizren", "Prizren"),
    ("rahovec", "Rahovec"),
    ("ranillug", "Ranillug"),
    ("shterpce", "Shtërpcë"),
    ("shtime", "Shtime"),
    ("skenderaj", "Skënderaj"),
    ("suhareke", "Suharekë"),
    ("viti", "Viti"),
    ("vushtrri", "Vushtrri"),
    ("zubin-potok", "Zubin Potok"),
    ("zvecan", "Zveçan"),
]
MUNICIPALITY_CHOICES = MUNICIPALITIES + [(OUTSIDE_KOSOVO, _("Outside Kosovo"))]
MUNICIPALITY_NAMES = dict(MUNICIPALITIES)

# Special-category data (ethnic origin): asked only where the editor turns it on,
# stored only with its own explicit consent.
COMMUNITY_CHOICES = [
    ("roma", _("Roma")),
    ("ashkali", _("Ashkali")),
    ("egyptian", _("Egyptian")),
    ("other", _("Other")),
    ("not_say", _("Prefer not to say")),
]

AVAILABILITY_CHOICES = [
    ("weekdays", _("Weekdays")),
    ("evenings", _("Evenings")),
    ("weekends", _("Weekends")),
]
