"""Word lists for plausible company, person and product names in the demo book.

Plain data, so the generator stays readable and the names can be extended without
touching any logic.
"""

from __future__ import annotations

#: Sales regions, and the legal forms customary in each (company name suffixes).
REGIONS: tuple[str, ...] = (
    "DACH",
    "Benelux",
    "Nordics",
    "France",
    "UK & Ireland",
    "Iberia",
    "Italy",
    "Central Europe",
)
REGION_WEIGHTS: tuple[float, ...] = (0.26, 0.12, 0.10, 0.14, 0.12, 0.08, 0.10, 0.08)
LEGAL_FORMS: tuple[tuple[str, str, str, str], ...] = (
    ("GmbH", "AG", "GmbH & Co. KG", "KG"),
    ("B.V.", "N.V.", "B.V.", "BVBA"),
    ("AB", "A/S", "Oy", "AS"),
    ("SAS", "S.A.", "SARL", "SAS"),
    ("Ltd", "plc", "Ltd", "LLP"),
    ("S.L.", "S.A.", "S.L.", "Lda."),
    ("S.p.A.", "S.r.l.", "S.r.l.", "S.p.A."),
    ("Sp. z o.o.", "s.r.o.", "Kft.", "a.s."),
)

INDUSTRIES: tuple[str, ...] = (
    "Automotive",
    "Machinery",
    "Food & Beverage",
    "Chemicals",
    "Construction",
    "Electronics",
    "Healthcare",
    "Logistics",
    "Energy",
    "Aerospace",
    "Packaging",
    "Retail",
    "Agriculture",
    "Pharma",
    "Public Sector",
)
INDUSTRY_WEIGHTS: tuple[float, ...] = (
    0.11,
    0.14,
    0.09,
    0.07,
    0.10,
    0.08,
    0.05,
    0.07,
    0.05,
    0.03,
    0.05,
    0.06,
    0.04,
    0.03,
    0.03,
)

#: First word of a company name: family names, places and brand-like words.
NAME_HEADS: tuple[str, ...] = (
    # family names
    "Keller", "Brandt", "Hoffmann", "Vogel", "Krause", "Lindqvist", "Berg", "Dubois",
    "Moreau", "Laurent", "Rossi", "Bianchi", "Ferrari", "Garcia", "Navarro", "Jansen",
    "de Vries", "Visser", "Novak", "Kowalski", "Horvath", "Murphy", "Walsh", "Clarke",
    "Harper", "Fischer", "Wagner", "Becker", "Schulz", "Richter", "Wolf", "Neumann",
    "Schwarz", "Zimmermann", "Hartmann", "Lange", "Werner", "Krüger", "Meier", "Huber",
    "Nilsson", "Eriksson", "Larsen", "Hansen", "Virtanen", "Korhonen", "Lefebvre", "Girard",
    "Fontaine", "Marchetti", "Conti", "Romano", "Lopes", "Pereira", "Ruiz", "Ortega",
    "Peeters", "Maes", "Bakker", "Smit", "Dvorak", "Nowak", "Wisniewski", "Baker",
    "Fletcher", "Thornton", "Whitfield", "Ashford", "Sinclair", "Ramsay",
    # places and rivers
    "Rhein", "Elbe", "Danube", "Alpine", "Baltic", "Nordic", "Atlantic", "Iberian",
    "Lombard", "Flanders", "Bavaria", "Saxon", "Thames", "Clyde", "Loire", "Rhone",
    "Moselle", "Oder", "Vistula", "Tatra", "Carpathian", "Adriatic", "Ligurian", "Aegean",
    "Biscay", "Jutland", "Scandia", "Hanse", "Helvetic", "Ardennes", "Pennine", "Cotswold",
    "Brabant", "Zeeland", "Holstein", "Westfalen", "Tyrol", "Styria", "Silesia", "Bohemia",
    # brand-like words
    "Apex", "Vector", "Summit", "Keystone", "Meridian", "Orion", "Pioneer", "Vertex",
    "Zenith", "Sterling", "Falcon", "Granite", "Cobalt", "Quantum", "Nova", "Polaris",
    "Triton", "Vanguard", "Horizon", "Beacon", "Crest", "Evergreen", "Ironwood", "Lumen",
    "Nexus", "Optima", "Pinnacle", "Radius", "Sentinel", "Solstice", "Spectra", "Titan",
    "Unity", "Velocity", "Aurora", "Boreal", "Cascade", "Delta", "Ember", "Fulcrum",
)  # fmt: skip

#: Optional middle word; the empty string means none.
NAME_QUALIFIERS: tuple[str, ...] = (
    "", "", "", "", "Industrial", "Technical", "Precision", "United", "Advanced",
    "General", "Modern", "Allied", "Integrated", "Continental", "European", "Applied",
)  # fmt: skip

#: The trade word of a company name.
NAME_TRADES: tuple[str, ...] = (
    "Maschinenbau", "Metalworks", "Components", "Engineering", "Logistics", "Systems",
    "Automation", "Plastics", "Foods", "Chemicals", "Electronics", "Construction",
    "Fabrication", "Hydraulics", "Tooling", "Packaging", "Energy", "Motors", "Controls",
    "Instruments", "Mechanics", "Industries", "Manufacturing", "Solutions", "Technologies",
    "Fluidtechnik", "Robotics", "Castings", "Forge", "Steel", "Alloys", "Composites",
    "Coatings", "Polymers", "Textiles", "Paper", "Glass", "Ceramics", "Optics", "Sensors",
    "Drives", "Pumps", "Valves", "Bearings", "Fasteners", "Wire", "Cables", "Power",
    "Thermal", "Cooling", "Aero", "Marine", "Rail", "Transport", "Freight", "Storage",
    "Building", "Interiors", "Facilities", "Services", "Pharma", "Labs", "Medical",
    "Biotech", "Agro", "Farms", "Dairy", "Bakeries", "Brewing", "Beverages", "Retail",
    "Trading", "Supply", "Distribution", "Wholesale", "Holdings", "Partners", "Works",
    "Mills", "Printing", "Media", "Electric", "Utilities", "Recycling", "Water",
    "Environmental", "Infrastructure", "Mining", "Minerals", "Timber", "Furniture",
    "Appliances", "Devices", "Machines", "Equipment", "Werkzeuge", "Antriebe", "Technik",
    "Anlagenbau", "Industrie",
)  # fmt: skip

FIRST_NAMES: tuple[str, ...] = (
    "Anna", "Lukas", "Sophie", "Jonas", "Marie", "Felix", "Laura", "Paul", "Julia", "Max",
    "Emma", "Leon", "Clara", "Tom", "Lena", "David", "Sara", "Noah", "Eva", "Elias",
    "Nina", "Jan", "Mia", "Ben", "Lea", "Luca", "Ida", "Oskar", "Hanna", "Erik",
    "Camille", "Hugo", "Chloé", "Louis", "Inès", "Jules", "Giulia", "Marco", "Chiara",
    "Matteo", "Lucía", "Pablo", "Carmen", "Diego", "Sanne", "Daan", "Femke", "Bram",
    "Astrid", "Lars", "Ingrid", "Mikael", "Aoife", "Conor", "Olivia", "James", "Grace",
    "Oliver", "Zofia", "Tomasz", "Petra", "Martin", "Katarina", "Ondřej",
)  # fmt: skip

LAST_NAMES: tuple[str, ...] = (
    "Schmidt", "Müller", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann",
    "Koch", "Bauer", "Richter", "Klein", "Wolf", "Schröder", "Neumann", "Schwarz",
    "Braun", "Zimmermann", "Krüger", "Hartmann", "Lange", "Werner", "Lehmann", "Köhler",
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand",
    "Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "García", "Fernández",
    "López", "Martínez", "de Jong", "Jansen", "de Vries", "van Dijk", "Bakker", "Janssen",
    "Johansson", "Andersson", "Karlsson", "Nielsen", "Hansen", "Jensen", "Murphy",
    "Kelly", "Smith", "Jones", "Taylor", "Brown", "Nowak", "Kowalski", "Novák", "Horváth",
)  # fmt: skip

#: Product categories of an industrial distributor: (name, median list price per unit in
#: EUR, cost of goods as a share of list price).
CATEGORIES: tuple[tuple[str, float, float], ...] = (
    ("Fasteners", 4.0, 0.62),
    ("Bearings", 45.0, 0.68),
    ("Hydraulics", 180.0, 0.72),
    ("Pneumatics", 95.0, 0.70),
    ("Power Transmission", 140.0, 0.71),
    ("Electrical", 35.0, 0.67),
    ("Automation", 420.0, 0.76),
    ("Safety & PPE", 18.0, 0.60),
    ("Cutting Tools", 28.0, 0.65),
    ("Hand & Power Tools", 85.0, 0.73),
    ("Lubricants", 22.0, 0.64),
    ("Packaging Supplies", 9.0, 0.66),
    ("Welding", 60.0, 0.70),
    ("Cleaning & Hygiene", 12.0, 0.63),
    ("Measuring Instruments", 260.0, 0.74),
    ("Spare Parts Service", 75.0, 0.58),
)

#: Nouns per category, combined with a size or grade to name products.
PRODUCT_NOUNS: tuple[tuple[str, ...], ...] = (
    ("hex bolt", "nut set", "washer kit", "anchor", "rivet", "threaded rod", "screw assortment"),
    ("ball bearing", "roller bearing", "pillow block", "linear bearing", "bearing sleeve"),
    ("hydraulic hose", "gear pump", "directional valve", "cylinder", "pressure filter"),
    (
        "air cylinder",
        "solenoid valve",
        "air preparation unit",
        "push-in fitting",
        "compressor hose",
    ),
    ("V-belt", "roller chain", "sprocket", "gear motor", "coupling", "timing belt"),
    ("circuit breaker", "contactor", "terminal block", "cable gland", "LED panel", "power cable"),
    ("PLC module", "frequency inverter", "servo drive", "HMI panel", "proximity sensor"),
    ("safety gloves", "safety goggles", "ear defenders", "hard hat", "hi-vis vest", "respirator"),
    ("twist drill", "end mill", "tap set", "saw blade", "indexable insert", "grinding disc"),
    ("cordless drill", "angle grinder", "torque wrench", "socket set", "impact driver"),
    ("gear oil", "multi-purpose grease", "cutting fluid", "hydraulic oil", "chain spray"),
    ("stretch film", "carton box", "pallet strap", "tape roll", "void fill"),
    ("welding wire", "electrode pack", "welding helmet", "gas regulator", "torch liner"),
    ("degreaser", "hand cleaner", "floor cleaner", "wipes roll", "absorbent mat"),
    ("digital caliper", "micrometer", "torque tester", "thermal camera", "multimeter"),
    ("repair kit", "seal kit", "wear part set", "service pack", "overhaul kit"),
)

PRODUCT_GRADES: tuple[str, ...] = (
    "M6", "M8", "M10", "M12", "S", "M", "L", "XL", "Pro", "Basic", "Heavy Duty", "Compact",
    "10 mm", "16 mm", "25 mm", "1/2 in", "3/4 in", "5 L", "20 L", "Type A", "Type B",
)  # fmt: skip

#: Short notes per signal kind; a signal's note is drawn from its kind's list.
SIGNAL_NOTES: dict[str, tuple[str, ...]] = {
    "complaint": (
        "late delivery",
        "wrong item shipped",
        "invoice error",
        "damaged goods",
        "slow response to request",
        "price increase not announced",
        "incomplete delivery",
    ),
    "feedback": ("portal search is slow", "wants consolidated invoices", "asks for EDI ordering"),
    "idea": ("vendor-managed inventory pilot", "joint kanban system", "kitting service"),
    "beta_test": ("new ordering portal beta", "predictive reorder beta"),
    "co_development": ("joint product specification", "custom kit co-design"),
    "review": ("5-star review on trade portal", "positive review in buyer forum"),
    "case_study": ("published joint case study", "case study for trade fair"),
    "reference_call": ("reference call with prospect",),
    "social_mention": ("mentioned us on LinkedIn", "tagged us in trade fair post"),
    "event": ("attended customer day", "visited trade fair booth"),
    "community": ("active in user community",),
    "training": ("product training attended", "safety training attended"),
    "outcome": ("documented cost saving", "downtime avoided"),
}

#: Task titles, and whether each is important (strategic work rather than admin).
TASK_TITLES: tuple[tuple[str, bool], ...] = (
    ("Prepare quarterly business review", True),
    ("Draft joint account plan", True),
    ("Follow up on complaint", True),
    ("Send revised quote", False),
    ("Call about open order", False),
    ("Check overdue invoice", False),
    ("Schedule site visit", True),
    ("Introduce new product range", False),
    ("Arrange executive meeting", True),
    ("Update contact list", False),
    ("Confirm delivery date", False),
    ("Review pricing agreement", True),
)
