"""Surface variants of item-specific values as sellers write them in titles.

Real-world knowledge, independent of the sandbox generator (pre-annotation must not read gold):
make nicknames (Chevy, VW, Merc, Benz), spelling of characteristics (Auto/Automatic, 4x4/4WD,
Grey/Gray). Separators and diacritics are handled by the matcher, so "F150"/"F-150" and
"Citroen"/"Citroën" need no entry here. Keys are casefolded canonical values.
"""

from __future__ import annotations

MAKE_ALIASES: dict[str, tuple[str, ...]] = {
    "chevrolet": ("Chevy", "Chev"),
    "volkswagen": ("VW", "Volkswagon"),
    "mercedes-benz": ("Mercedes", "Merc", "Benz", "MB", "Mercedes Benz"),
    "mercedes": ("Mercedes-Benz", "Merc", "Benz", "MB"),
    "bmw": ("Beemer", "Bimmer"),
    "land rover": ("Landrover", "Range Rover"),
    "alfa romeo": ("Alfa",),
    "rolls-royce": ("Rolls",),
    "aston martin": ("Aston",),
    "lamborghini": ("Lambo",),
    "mitsubishi": ("Mitsu",),
    "volvo": (),
    "cadillac": ("Caddy",),
    "infiniti": ("Infinity",),
    "hyundai": ("Hundai",),
    "porsche": ("Porshe",),
    "ram": ("Dodge Ram",),
    "gmc": (),
    "toyota": ("Toyta",),
}

MODEL_ALIASES: dict[str, tuple[str, ...]] = {
    # German "er" style for BMW series and "Klasse" for Mercedes classes (the Kleinanzeigen titles).
    **{f"{n} series": (f"{n}er", f"{n}-er") for n in range(1, 9)},
    **{f"{c}-class": (f"{c}-Klasse", f"{c} Klasse", f"{c}klasse") for c in "abcegmrsv"},
    **{f"{c} class": (f"{c}-Klasse", f"{c} Klasse", f"{c}klasse") for c in "abcegmrsv"},
    "land cruiser": ("Landcruiser",),
    "mustang mach-e": ("Mach-E", "Mach E"),
}

CHARACTERISTIC_ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "TRANSMISSION": {
        "automatic": ("Auto", "Automatik", "Autom", "A/T", "Tiptronic", "Steptronic", "Auto Trans"),
        "manual": ("Stick", "Stick Shift", "M/T", "Manuell", "Schaltgetriebe"),
        "cvt": ("Continuously Variable",),
    },
    "DRIVETRAIN": {
        "4wd": ("4x4", "4WD", "Four Wheel Drive", "4 Wheel Drive", "4X4"),
        "awd": ("All Wheel Drive", "All-Wheel Drive", "Quattro", "xDrive", "4Matic", "4Motion"),
        "fwd": ("Front Wheel Drive", "Front-Wheel Drive"),
        "rwd": ("Rear Wheel Drive", "Rear-Wheel Drive"),
    },
    "FUEL": {
        "gasoline": ("Gas", "Petrol", "Benzin", "Unleaded"),
        "diesel": ("TDI", "Turbodiesel", "Turbo Diesel"),
        "electric": ("EV", "Elektro"),
        "hybrid-electric": ("Hybrid",),
        "hybrid": ("Hybrid-Electric", "Plug-in Hybrid", "PHEV"),
        "flex fuel": ("Flex-Fuel", "FFV"),
    },
    "BODY": {
        "sedan": ("Saloon", "Limousine"),
        "coupe": ("Coupé",),
        "convertible": ("Cabriolet", "Cabrio", "Roadster"),
        "hatchback": ("Hatch",),
        "wagon": ("Estate", "Kombi", "Station Wagon"),
        "suv": ("Sport Utility",),
        "pickup": ("Pickup Truck", "Pick-up", "Truck"),
        "pickup truck": ("Pickup", "Pick-up", "Truck"),
        "minivan": ("Van", "Mini Van"),
    },
    "COLOR": {
        "gray": ("Grey", "Gunmetal"),
        "grey": ("Gray",),
        "silver": ("Silber",),
        "black": ("Schwarz",),
        "white": ("Weiss", "Weiß"),
        "red": ("Rot",),
        "blue": ("Blau",),
    },
}
