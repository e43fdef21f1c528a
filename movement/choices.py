"""Fixed lists of the movement app: progress statuses and Kosovo's municipalities."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    """The fixed scale on which a demand's progress is rated after the election."""

    NOT_RATED = "not_rated", _("Not yet rated")
    IN_THE_WORKS = "in_the_works", _("In the works")
    STALLED = "stalled", _("Stalled")
    ACHIEVED = "achieved", _("Achieved")
    PARTLY_ACHIEVED = "partly_achieved", _("Partly achieved")
    NOT_ACHIEVED = "not_achieved", _("Not achieved")


# Kosovo's 38 municipalities, stored by a stable ASCII code and shown by their
# Albanian names (the names used on every language version of the site).
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
MUNICIPALITY_NAMES = dict(MUNICIPALITIES)
