"""The words that tell names from other capitalised words, and one kind of name from
another: titles, the words organisations' and places' names are made of, demonyms.

Written for English news; stories.discovery reads them.
"""

# Words before a name that say who someone is; never part of the name.
TITLES = frozenset(
    {"Dr", "Mr", "Mrs", "Ms", "Mx", "Miss", "Prof", "Professor", "Sir", "Dame", "Lord", "Lady",
     "President", "Premier", "Minister", "Envoy", "Senator", "Sen", "Governor", "Gov", "Mayor",
     "Councillor", "Councilor", "Councilman", "Councilwoman", "Alderman", "Commissioner",
     "Chancellor", "Director", "Secretary", "Ambassador", "Gen", "Admiral", "Colonel", "Col",
     "Captain", "Capt", "Lieutenant", "Lt", "Sergeant", "Sgt", "Inspector", "Detective",
     "Superintendent", "Constable", "Sheriff", "Judge", "King", "Queen", "Prince", "Princess",
     "Pope", "Bishop", "Archbishop", "Cardinal", "Rabbi", "Imam", "Sheikh", "Father",
     "Reverend", "Rev", "Pastor", "Speaker", "Chairman", "Chairwoman", "Coach",
     "Representative", "Rep", "Congressman", "Congresswoman", "Spokesman", "Spokeswoman",
     "Spokesperson", "Commander", "Emir", "Sultan", "Leader", "Whip", "Attorney",
     "Solicitor", "Prosecutor", "Comptroller", "Treasurer", "Marshal"}
)  # fmt: skip
# Words that may stand between the place or body and the title: "US Special Envoy".
TITLE_QUALIFIERS = frozenset(
    {"Special", "Acting", "Former", "Interim", "Senior", "Foreign", "Prime", "Deputy", "Vice",
     "Chief", "Executive", "General", "Assistant", "Associate", "Head", "Economy", "Finance",
     "Health", "Defence", "Defense", "Interior", "Justice", "Transport", "Environment",
     "State", "Crown", "Majority", "Minority", "Opposition"}
)  # fmt: skip
# Words that make a name an organisation's; checked before the place words, so that the
# "Port of Rotterdam Authority" is the authority, not the port.
ORGANIZATION_WORDS = frozenset(
    {"Office", "Ministry", "Department", "Agency", "Authority", "Association", "Council",
     "Trust", "Company", "Corporation", "Corp", "Bank", "University", "Institute",
     "Commission", "Committee", "Party", "Union", "Organization", "Organisation",
     "Foundation", "Group", "Railways", "Railway", "Airlines", "Airways", "Court",
     "Parliament", "Police", "Army", "Navy", "Forces", "Service", "Services", "Archives",
     "Library", "Museum", "School", "College", "Academy", "Hospital", "Clinic", "Inc", "Ltd",
     "LLC", "PLC", "GmbH", "AG", "SA", "Society", "Federation", "League", "Nations", "Club",
     "Fund", "Board", "Bureau", "Developments", "Holdings", "Partners", "Industries",
     "Network", "Press", "Times", "News", "Church", "Assembly", "Senate", "Congress",
     "Cabinet", "Directorate", "Secretariat", "Crescent", "Cross", "Brigade", "Brigades",
     "Movement", "Front", "Alliance", "Coalition", "Centre", "Center", "Orchestra",
     "Theatre", "Theater", "Bibliothèque", "Bibliothèques", "Université", "Universität",
     "Banque", "Société", "Stiftung", "Olympique", "Regulator", "Watchdog", "Ombudsman",
     "Tribunal", "Inspectorate", "Exchange", "Reserve", "Guard", "Corps", "Institution",
     "House", "Chamber", "Administration"}
)  # fmt: skip
PLACE_WORDS = frozenset(
    {"Boulevard", "Street", "Avenue", "Road", "Square", "Bridge", "River", "Lake", "Mount",
     "Mountains", "Island", "Islands", "Bay", "Port", "City", "County", "Province", "Region",
     "States", "Republic", "Kingdom", "Emirates", "Strait", "Sea", "Ocean", "Valley",
     "Harbour", "Harbor", "Marsh", "Park", "Station", "Airport", "Forest", "Coast", "Gulf",
     "Peninsula", "Desert", "Canal", "Beach", "Hill", "Hills", "Lane", "Plaza", "District",
     "Quarter", "Stadium", "Stade", "Arena", "Gare", "Strip", "Territory", "Territories",
     "Cape", "Isle", "Falls", "Heights", "Wetlands", "Reservoir", "Pradesh", "Oblast",
     "Governorate", "Prefecture", "Glacier", "Mountain", "Peak", "Pass", "Dam", "Volcano",
     "Fjord", "Lagoon", "Canyon", "Plateau"}
)  # fmt: skip
# Words that make a name a law, a plan or a prize ("European Chips Act"), or an event.
OTHER_WORDS = frozenset(
    {"Act", "Treaty", "Accord", "Accords", "Agreement", "Plan", "Programme", "Program",
     "Strategy", "Directive", "Regulation", "Law", "Bill", "Convention", "Protocol",
     "Initiative", "Package", "Award", "Prize", "Index", "Deal"}
)  # fmt: skip
EVENT_WORDS = frozenset(
    {"Summit", "Conference", "Festival", "Games", "Olympics", "Cup", "Championship",
     "Championships", "Election", "Elections", "War", "Marathon", "Expo", "Week", "Biennale",
     "Open", "Grand Prix", "Olympiad"}
)  # fmt: skip
# Capitalised words that start sentences, or that name no one: months, days, "I".
STOP_WORDS = frozenset(
    {"The", "A", "An", "In", "On", "At", "As", "But", "And", "Or", "If", "It", "Its", "This",
     "That", "These", "Those", "He", "She", "They", "We", "I", "You", "His", "Her", "Their",
     "Our", "My", "Your", "After", "Before", "Despite", "However", "Although", "While",
     "When", "Where", "Why", "What", "Who", "How", "Now", "Then", "Still", "More", "Most",
     "Some", "Many", "Each", "Every", "From", "For", "With", "By", "To", "Of", "Amid", "Also",
     "Later", "Earlier", "Yesterday", "Today", "Tomorrow", "Meanwhile", "Instead", "Since",
     "Until", "During", "Under", "Over", "Against", "Between", "Among", "Without", "Unlike",
     "Only", "Even", "Yet", "So", "Both", "All", "Several", "Such", "There", "Here", "Last",
     "Next", "No", "Not", "Nobody", "Yes", "Mr", "Mrs", "Ms", "Dr", "OK",
     "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday",
     "January", "February", "March", "April", "May", "June", "July", "August", "September",
     "October", "November", "December", "Celsius", "Fahrenheit"}
)  # fmt: skip
# Letters after a person's name: "Adrian Cole KC".
POSTNOMINALS = frozenset(
    {"KC", "QC", "MP", "MEP", "MSP", "CEO", "PhD", "Jr", "Sr", "OBE", "MBE", "CBE"}
)
# The people of a place, written as an adjective: "Israeli officials". Regular ones
# ("Austrian", "Qatari", "Canadian") are recognised from the place's name.
IRREGULAR_DEMONYMS = frozenset(
    {"Arab", "Arabs", "Dutch", "French", "British", "English", "Scottish", "Welsh", "Irish",
     "Swiss", "Greek", "Thai", "Spanish", "Danish", "Swedish", "Finnish", "Polish",
     "Turkish", "Kurdish", "Flemish", "Scots", "Basque", "Catalan", "Filipino", "Lao",
     "Western", "Eastern", "Northern", "Southern", "Islamic", "Christian", "Muslim",
     "Jewish", "Catholic", "Protestant", "Sunni", "Shia", "Latino", "Asian", "African",
     "American", "Americans", "Europeans", "Palestinians", "Israelis"}
)  # fmt: skip
DEMONYM_ENDINGS = (
    ("ian", ""), ("ian", "a"), ("ian", "ia"), ("ian", "y"), ("ian", "e"), ("an", ""),
    ("an", "a"), ("an", "o"), ("n", ""), ("i", ""), ("ese", ""), ("ese", "a"), ("ish", ""),
    ("ians", "ia"), ("ans", "a"), ("is", ""), ("ean", "e"), ("ean", "a"), ("", "y"),
)  # fmt: skip
# Lower-case words in a name: "Port of Rotterdam", "Ursula von der Leyen".
CONNECTORS = frozenset(
    {"of", "the", "for", "de", "del", "della", "da", "das", "do", "dos", "du", "des", "la",
     "le", "et", "van", "von", "der", "den", "ter", "bin", "ibn", "al", "el", "y", "di"}
)  # fmt: skip
PERSON_PARTICLES = frozenset(
    {"de", "del", "della", "da", "das", "do", "dos", "du", "van", "von", "der", "den", "ter",
     "bin", "ibn", "al", "el", "y", "di", "la", "le"}
)  # fmt: skip
