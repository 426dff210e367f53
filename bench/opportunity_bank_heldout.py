"""The held-out bank of the opportunities evaluation set: its wording was never tuned on.

Other topics, other distractors, other openers and closers, other question
wordings and a terser style (more shorthand, more first person) than the
tuning bank (``bench/opportunity_bank_tuning.py``), written after the
matcher had been tuned on that bank, without looking at its word lists.

What it has been used for, in order: measured once with the matcher tuned
on the tuning bank (precision at 50 0.62, recall 0.72, with an NHS synonym
thesaurus that had lifted the tuning bank from 0.60 to 0.80); that showed
the thesaurus fitted to the wording it was written beside, so it was
removed. After that, its figures (never its texts' words) were read to
choose between general options (pieces of words or stems, the weight of
the hub correction): so it is no longer strictly unseen, and the issue's
own unseen set is the real test. No word list of the matcher was written
from it.

The same rules as the tuning bank: each planted need and offer share a
subject, not a sentence; no distractor need is answered by a distractor
offer; decoys are true matches inside one silo.
"""

from __future__ import annotations

from bench.opportunity_set import Bank, Topic

PLANTED = (
    Topic(
        "homeless patients",
        (
            "Patients with no fixed abode get discharged back onto the street and bounce back "
            "in within a fortnight.",
            "Rough sleepers are medically fit but we have nowhere safe to send them, so they sit "
            "in beds for days.",
        ),
        (
            "Our housing navigator sorts emergency accommodation for rough sleepers before they "
            "leave the ward; readmissions in that group have fallen.",
            "Working with the council's homelessness team on a duty-to-refer form means people "
            "with no fixed abode now have somewhere to go on discharge.",
        ),
    ),
    Topic(
        "abnormal results nobody acts on",
        (
            "Abnormal bloods requested in clinic don't always get acted on; nobody owns the "
            "result once the patient has gone.",
            "Worried about test results falling between the cracks after outpatient appointments.",
        ),
        (
            "We built a results inbox in the EPR with escalation, so every abnormal result gets "
            "signed off by a named clinician within 48h.",
            "Each clinic now has a results owner who checks and files every pathology result; "
            "nothing is left unreviewed.",
        ),
    ),
    Topic(
        "electronic prescribing go-live",
        (
            "EPMA go-live is three months away and the nurses are anxious about drug rounds on "
            "the new system.",
            "We're moving from paper drug charts to electronic prescribing and I don't know how "
            "to prepare the ward.",
        ),
        (
            "Lessons from our e-prescribing rollout: super-users on every ward and practice drug "
            "rounds on a test system before go-live.",
            "Our switch from paper charts to EPMA went smoothly because pharmacy ran ward-by-ward "
            "walkthroughs in the month before.",
        ),
    ),
    Topic(
        "kidney injury alerts",
        (
            "AKI alerts fire all the time on the wards and nobody does anything with them.",
            "Acute kidney injury gets spotted late; the electronic warning is ignored.",
        ),
        (
            "A pharmacist-led review of every acute kidney injury alert, stopping nephrotoxic "
            "drugs and fluids, cut AKI progression.",
            "We attached an AKI care bundle to the alert so the ward knows exactly what to do "
            "when it pops up.",
        ),
    ),
    Topic(
        "stroke thrombolysis times",
        (
            "Door-to-needle for stroke thrombolysis is over an hour here.",
            "Stroke patients wait too long for clot-busting treatment after they arrive.",
        ),
        (
            "Pre-alert from the ambulance and meeting the crew at the door with CT ready got our "
            "thrombolysis times down to 35 minutes.",
            "Taking stroke patients straight to the scanner on the ambulance trolley shaved 20 "
            "minutes off door-to-needle.",
        ),
    ),
    Topic(
        "teenagers waiting for mental health help",
        (
            "Young people wait over a year for CAMHS and schools ring us every day.",
            "Teens with anxiety get nothing while they sit on the specialist waiting list.",
        ),
        (
            "Mental health support teams in schools now see teenagers with anxiety within weeks "
            "instead of them waiting for specialist CAMHS.",
            "An online CBT programme for young people on the CAMHS list helps many before their "
            "first appointment.",
        ),
    ),
    Topic(
        "carers of people with dementia",
        (
            "Family carers of people with dementia are exhausted and we only hear from them "
            "when it's a crisis.",
            "Husbands and wives caring for a partner with dementia hit breaking point with no "
            "warning.",
        ),
        (
            "A carers' support group and a sitting service give dementia carers regular breaks; "
            "crisis admissions dropped.",
            "We phone carers of people with dementia every month to ask how they're coping; it "
            "catches problems before they become emergencies.",
        ),
    ),
    Topic(
        "C. diff on the ward",
        (
            "Three C. diff cases on our ward this quarter and we can't see why.",
            "Clostridium difficile keeps coming back on our unit.",
        ),
        (
            "Hydrogen peroxide vapour cleaning plus a review of every antibiotic prescription "
            "stopped our C. difficile cluster.",
            "Our C diff reduction plan: stool sampling within 2 hours, side rooms and prudent "
            "antibiotic use.",
        ),
    ),
    Topic(
        "burnout after winter",
        (
            "Team morale is on the floor after winter; people are burnt out and snappy.",
            "My nurses are exhausted and several have talked about leaving nursing altogether.",
        ),
        (
            "Schwartz rounds gave our staff a safe space to talk about the emotional side of the "
            "job; people say they feel less alone.",
            "Wellbeing check-ins and a rest room away from the ward helped an exhausted team "
            "recover after a brutal winter.",
        ),
    ),
    Topic(
        "infusion pump training",
        (
            "Can't prove who's been trained on the new infusion pumps.",
            "Half the bank nurses have never used our volumetric pumps and it shows.",
        ),
        (
            "We put infusion pump competency sign-off on the e-learning platform with a short "
            "practical; we can see who's trained at a glance.",
            "A five-minute pump training video plus a bedside check for new and bank staff "
            "sorted our infusion device errors.",
        ),
    ),
    Topic(
        "IV antibiotics at home",
        (
            "Patients stay in for weeks just for IV antibiotics.",
            "Beds are blocked by people who only need a daily antibiotic infusion.",
        ),
        (
            "Our OPAT service gives intravenous antibiotics at home or in clinic, freeing beds "
            "for weeks at a time.",
            "Community nurses now give once-daily IV antibiotics at home so patients don't stay "
            "in just for the drip.",
        ),
    ),
    Topic(
        "hearing aid waits",
        (
            "Audiology waits for hearing aid fitting are 40 weeks.",
            "Older people wait nearly a year to get their hearing aids.",
        ),
        (
            "Group hearing aid fitting sessions in GP surgeries cut our audiology waiting list "
            "by half.",
            "Community audiology clinics run by assistants fit routine hearing aids much faster.",
        ),
    ),
    Topic(
        "diabetic foot ulcers",
        (
            "Diabetic foot ulcers reach us too late, and we see amputations that might have been "
            "avoided.",
            "People with diabetes and foot wounds wait weeks to see podiatry.",
        ),
        (
            "Our rapid-access diabetic foot clinic sees any new foot ulcer within 48 hours; "
            "major amputations fell.",
            "We taught practice nurses to check feet at every diabetes review and refer ulcers "
            "the same day.",
        ),
    ),
    Topic(
        "blood wastage",
        (
            "We waste a lot of O negative that expires in the fridge.",
            "Blood units keep going out of date on the satellite site.",
        ),
        (
            "Our transfusion team moves units between sites before they expire; blood wastage "
            "halved.",
            "Stock levels for O negative set by actual use, plus a weekly expiry check, cut "
            "wasted blood.",
        ),
    ),
    Topic(
        "pulmonary rehab uptake",
        (
            "People with COPD don't take up pulmonary rehab when we refer them.",
            "Half our breathless patients never turn up to the rehab classes.",
        ),
        (
            "Offering pulmonary rehabilitation online and in community halls doubled uptake among "
            "COPD patients.",
            "A phone call from a former rehab patient persuaded far more people with COPD to "
            "start the classes.",
        ),
    ),
    Topic(
        "health checks in deprived areas",
        (
            "Uptake of NHS Health Checks in our most deprived wards is really low.",
            "The people who most need a health check are the ones who never come.",
        ),
        (
            "Taking health checks to mosques, supermarkets and football clubs lifted uptake in "
            "the poorest areas.",
            "Community champions booking health checks for their neighbours reached people the "
            "letters never did.",
        ),
    ),
    Topic(
        "alcohol-related admissions",
        (
            "The same dependent drinkers are admitted again and again; we have no alcohol team.",
            "Lots of repeat admissions for alcohol withdrawal and nobody follows them up.",
        ),
        (
            "Our alcohol care team with assertive outreach cut repeat admissions among dependent "
            "drinkers.",
            "An alcohol specialist nurse who sees every withdrawal admission and follows up at "
            "home made a big difference.",
        ),
    ),
    Topic(
        "MMR uptake",
        (
            "MMR uptake at two has dropped below 85% on our patch.",
            "Parents keep missing their toddlers' measles jabs.",
        ),
        (
            "Health visitors phoning parents of children overdue for MMR, plus pop-up clinics at "
            "children's centres, lifted measles vaccine uptake.",
            "Evening and Saturday immunisation clinics for toddlers got far more children "
            "vaccinated on time.",
        ),
    ),
    Topic(
        "appraisal rates",
        (
            "Appraisal rates in my directorate are under 60%.",
            "Staff see appraisals as paperwork and managers keep putting them off.",
        ),
        (
            "A shorter, conversation-based appraisal form got completion above 90%.",
            "We made appraisals a 30-minute wellbeing and career chat with one page to fill "
            "in; managers actually do them now.",
        ),
    ),
    Topic(
        "minor illness in general practice",
        (
            "GP appointments are swamped by sore throats and earache.",
            "Our practice spends half its slots on minor ailments.",
        ),
        (
            "Sending minor illnesses to community pharmacies under Pharmacy First freed a lot of "
            "GP appointments.",
            "Our receptionists now signpost coughs, colds and earache to local pharmacists; "
            "appointments are freed for sicker patients.",
        ),
    ),
    Topic(
        "asking about domestic abuse",
        (
            "Not confident asking patients about domestic abuse, or what to do if they say yes.",
            "Staff avoid routine enquiry about abuse at home because they don't know the next "
            "step.",
        ),
        (
            "Our hospital IDVA trained ED staff to ask about domestic abuse safely and takes "
            "referrals the same day.",
            "A short script for routine enquiry plus a direct line to the domestic violence "
            "advocate made staff confident to ask.",
        ),
    ),
    Topic(
        "energy bills",
        (
            "Energy bills have doubled and estates want every department to cut usage.",
            "Finance says our electricity costs are unsustainable.",
        ),
        (
            "LED lighting and switching kit off overnight cut electricity use in our buildings "
            "by a quarter.",
            "Our energy champions turned off idle equipment and heating in empty rooms; the bill "
            "fell noticeably.",
        ),
    ),
    Topic(
        "consultant job plans",
        (
            "Job plans haven't been reviewed for years and don't match the clinics consultants "
            "run.",
            "Our consultants' sessions on paper bear no relation to the work they do.",
        ),
        (
            "Team job planning using real activity data matched consultant sessions to demand; "
            "no more phantom clinics.",
            "We redid every consultant job plan from theatre and clinic data in three months.",
        ),
    ),
    Topic(
        "suspected cancer diagnosis",
        (
            "Patients referred urgently with suspected cancer wait too long to find out.",
            "We keep missing the 28-day faster diagnosis standard.",
        ),
        (
            "A straight-to-test pathway and a cancer navigator get most suspected cancer "
            "patients a diagnosis within 28 days.",
            "Booking scans at the point of urgent GP referral took a week off our time to "
            "diagnosis.",
        ),
    ),
    Topic(
        "hip fracture at weekends",
        (
            "Hip fracture patients wait over 36 hours for surgery at weekends.",
            "Older people with broken hips sit in pain over the weekend waiting for theatre.",
        ),
        (
            "A protected trauma list for hip fractures, with an orthogeriatrician on the "
            "weekend, got almost everyone to theatre within 36 hours.",
            "Prioritising fractured neck of femur on the Saturday and Sunday lists cut waits "
            "for surgery.",
        ),
    ),
    Topic(
        "dying at home",
        (
            "Most of our patients say they'd like to die at home, but they end up dying in "
            "hospital.",
            "Rapid discharge for people in their last days takes too long; some die waiting.",
        ),
        (
            "Our hospice at home team and a fast-track discharge let more people die where they "
            "chose.",
            "We get people in their final days home within 24 hours with equipment and carers "
            "arranged the same day.",
        ),
    ),
    Topic(
        "MSK physio backlog",
        (
            "The wait for MSK physio is 20 weeks and GPs refer everything.",
            "Back and knee pain referrals are piling up in physiotherapy.",
        ),
        (
            "Self-referral to musculoskeletal physiotherapy with online triage and exercise "
            "videos cut our waiting list.",
            "First contact physios in GP practices now see back and joint pain directly, so "
            "fewer referrals reach us.",
        ),
    ),
    Topic(
        "children's teeth",
        (
            "Children needing teeth out under general anaesthetic wait a year.",
            "Tooth decay in under-fives is the top reason for children's hospital admissions here.",
        ),
        (
            "Supervised toothbrushing in nurseries and fluoride varnish at health visitor "
            "checks cut tooth decay in young children.",
            "Our dental nurses visiting nurseries got decay rates down in under-fives.",
        ),
    ),
    Topic(
        "needlestick injuries",
        (
            "Needlestick injuries among our HCAs have gone up.",
            "Sharps injuries keep happening during blood taking.",
        ),
        (
            "Safety-engineered needles and a sharps training refresh halved our needlestick "
            "injuries.",
            "Taking sharps bins to the bedside every time cut sharps injuries for healthcare "
            "assistants.",
        ),
    ),
    Topic(
        "incident reporting",
        (
            "Staff don't report incidents because they never hear what happened next.",
            "Datix reports have dried up; people say there's no point.",
        ),
        (
            "We send a 'you said, we did' reply to every person who reports an incident; "
            "reporting went up.",
            "A monthly learning-from-incidents bulletin showing what changed made people report "
            "again.",
        ),
    ),
    Topic(
        "medicine shortages",
        (
            "Medicine shortages mean we're swapping patients' drugs at short notice all the time.",
            "Every week a different product is out of stock and prescribers don't know the "
            "alternatives.",
        ),
        (
            "Pharmacy's weekly shortages bulletin tells prescribers which alternatives to use "
            "for out-of-stock medicines.",
            "A shortages page on the intranet lists every unavailable drug and its substitute.",
        ),
    ),
    Topic(
        "housing for new staff",
        (
            "New starters moving from far away can't find anywhere affordable to live near the "
            "hospital.",
            "Overseas recruits arrive and spend weeks in hotels looking for a flat.",
        ),
        (
            "We partnered with a housing association to rent flats to new staff at below market "
            "rent.",
            "Our accommodation team holds rooms for new recruits for their first three months "
            "while they find a home.",
        ),
    ),
    Topic(
        "phishing",
        (
            "Staff keep clicking on phishing emails and IT are worried.",
            "We had another account compromised by a fake login email.",
        ),
        (
            "Monthly simulated phishing tests with two minutes of training cut our click rate "
            "sharply.",
            "Teaching staff three signs of a scam email, with a report button in Outlook, "
            "stopped most phishing clicks.",
        ),
    ),
    Topic(
        "jargon in letters",
        (
            "Our appointment letters are full of jargon and patients misread them.",
            "Patients ring up confused about what our letters mean.",
        ),
        (
            "We rewrote our letters in plain English with a patient panel; calls asking what "
            "they mean dropped.",
            "Writing to patients rather than about them, in plain language, cut confused phone "
            "calls.",
        ),
    ),
    Topic(
        "GP samples arriving late",
        (
            "Pathology results for GP samples take days because the samples reach the lab late.",
            "Blood samples from surgeries arrive at the lab after 5pm and sit overnight.",
        ),
        (
            "Changing the courier routes so GP samples reach the lab by 2pm got us same-day "
            "results.",
            "An extra afternoon collection from practices means bloods are processed before "
            "the evening.",
        ),
    ),
    Topic(
        "stable patients in follow-up",
        (
            "Follow-up clinics are full of stable patients who don't need to be seen.",
            "Routine six-monthly reviews clog our clinics.",
        ),
        (
            "Patient-initiated follow-up lets stable patients book only when they need us; it "
            "freed a fifth of our follow-up slots.",
            "Moving routine reviews to PIFU with a direct line for flare-ups emptied our "
            "follow-up backlog.",
        ),
    ),
    Topic(
        "heart failure readmissions",
        (
            "Heart failure patients are readmitted within 30 days far too often.",
            "People with heart failure come back in breathless a couple of weeks after going home.",
        ),
        (
            "Heart failure nurses calling within 72 hours of discharge and adjusting diuretics "
            "at home cut readmissions.",
            "Daily weights with a clear plan for what to do if they rise kept our heart failure "
            "patients out of hospital.",
        ),
    ),
    Topic(
        "disciplinaries and ethnicity",
        (
            "Black and minority ethnic staff are over-represented in our disciplinary cases.",
            "Staff from ethnic minorities are far more likely to end up in formal processes here.",
        ),
        (
            "A pre-disciplinary check by a senior panel reduced disproportionate formal cases "
            "against ethnic minority staff.",
            "Our just culture review of every case before it goes formal closed the gap for BME "
            "colleagues.",
        ),
    ),
    Topic(
        "children not brought to appointments",
        (
            "Children who miss their hospital appointments just get discharged and nobody "
            "checks why.",
            "We don't follow up when a child is repeatedly not brought to clinic.",
        ),
        (
            "Our 'was not brought' policy means every missed children's appointment is reviewed "
            "and the health visitor or GP is told.",
            "We call the family and the school nurse when a child misses two appointments; "
            "several safeguarding concerns came out of it.",
        ),
    ),
    Topic(
        "bleeps",
        (
            "Switchboard takes ages to answer and bleeps get lost overnight.",
            "Doctors on call carry three bleeps and still miss urgent calls.",
        ),
        (
            "Replacing bleeps with a secure messaging app means tasks are logged and nothing "
            "gets lost overnight.",
            "Our digital on-call system routes urgent calls to the right doctor; no more missed "
            "bleeps.",
        ),
    ),
    Topic(
        "nurses buried in paperwork",
        (
            "Nurses spend hours on paperwork instead of with patients.",
            "Our band 5s say admin eats half their shift.",
        ),
        (
            "Ward administrators taking on the non-clinical admin gave nurses back nearly an "
            "hour a shift.",
            "We cut duplicate nursing documentation by a third after an audit of every form on "
            "the ward.",
        ),
    ),
    Topic(
        "clinical waste costs",
        (
            "Clinical waste bins are full of ordinary rubbish and disposal costs a fortune.",
            "Our orange-bag waste costs have gone through the roof.",
        ),
        (
            "Colour-coded bins and a quick waste audit moved most rubbish out of clinical waste "
            "and saved thousands.",
            "Training on which bag is which cut our clinical waste tonnage by 30%.",
        ),
    ),
    Topic(
        "gestational diabetes clinic",
        (
            "Women diagnosed with gestational diabetes wait weeks to be seen.",
            "The GDM clinic is overbooked and women start treatment late in pregnancy.",
        ),
        (
            "A virtual gestational diabetes clinic with a glucose-monitoring app sees women "
            "within a week of diagnosis.",
            "Group education sessions for newly diagnosed GDM freed midwife and diabetes clinic "
            "time.",
        ),
    ),
    Topic(
        "oxygen prescribing",
        (
            "Oxygen is given without a prescription and nobody titrates it.",
            "Patients on the ward are on too much oxygen with no target saturations.",
        ),
        (
            "Oxygen is now prescribed on EPMA with target saturations, and the nurses titrate to "
            "it on every obs round.",
            "An oxygen champion on each ward and a target-sats sticker sorted our oxygen "
            "prescribing.",
        ),
    ),
    Topic(
        "property lost between wards",
        (
            "Patients' hearing aids and phone chargers vanish when they move wards.",
            "We keep paying out claims for belongings lost during transfers.",
        ),
        (
            "Named property bags and a checklist at every transfer stopped hearing aids and "
            "phones going missing.",
            "A patient belongings log that moves with the patient cut lost property claims to "
            "almost nothing.",
        ),
    ),
    Topic(
        "mortality review backlog",
        (
            "Mortality reviews are months behind, so we can't learn from deaths.",
            "Nobody has time to do structured judgement reviews.",
        ),
        (
            "Medical examiners screening every death, with SJR training for registrars, cleared "
            "our mortality review backlog.",
            "Sharing structured judgement reviews across a rota of trained reviewers gets each "
            "death reviewed within a month.",
        ),
    ),
    Topic(
        "staff who struggle with computers",
        (
            "Some long-serving staff really struggle with Teams and the new computer systems.",
            "Older colleagues feel left behind by all the new IT.",
        ),
        (
            "Digital buddies and weekly drop-in sessions got our least confident staff using "
            "Teams and the EPR.",
            "One-to-one IT coaching at the ward base, at the person's own pace, won over our most "
            "reluctant computer users.",
        ),
    ),
    Topic(
        "young carers",
        (
            "We rarely spot children who are caring for a parent.",
            "Kids looking after a sick mum or dad slip under the radar at our appointments.",
        ),
        (
            "A young carers' card and a link with the school nurse help us identify children "
            "caring for a parent.",
            "Asking 'who helps you at home?' at every adult appointment has found dozens of "
            "young carers.",
        ),
    ),
    Topic(
        "veterans",
        (
            "We don't know which of our patients are armed forces veterans.",
            "Ex-service personnel miss out on priority treatment because nobody asks.",
        ),
        (
            "Asking about military service at registration got us Veteran Aware accreditation "
            "and better care for ex-forces patients.",
            "We flag veterans on the record so they're offered the armed forces covenant support.",
        ),
    ),
    Topic(
        "anaemia before surgery",
        (
            "Patients turn up for hip and knee replacements anaemic and end up needing a "
            "transfusion.",
            "Low haemoglobin gets spotted on the day of surgery and the op is called off.",
        ),
        (
            "A pre-op anaemia clinic giving IV iron weeks before joint replacement cut our "
            "transfusion rate.",
            "Checking haemoglobin when patients are listed and treating iron deficiency early "
            "means fewer cancelled operations.",
        ),
    ),
)
"""Fifty topics, one planted pair each."""

DECOYS = (
    Topic(
        "staff uniforms laundry",
        ("Nobody knows where to get clean scrubs on nights.",),
        ("A scrubs vending machine by the changing rooms means clean scrubs at any hour.",),
    ),
    Topic(
        "patient wifi",
        ("Patients on long stays complain the guest Wi-Fi keeps dropping.",),
        ("We upgraded the guest Wi-Fi on the long-stay wards; patients can video call family.",),
    ),
    Topic(
        "theatre temperature",
        ("Theatre 4 is far too hot in summer and the surgeons complain.",),
        ("Portable cooling units and blinds fixed the summer heat in our theatres.",),
    ),
    Topic(
        "lockers",
        ("There aren't enough lockers for staff on the day unit.",),
        ("Shared day lockers with digital codes freed up space for every staff member.",),
    ),
    Topic(
        "hospital radio",
        ("Hospital radio can't find volunteers to present at weekends.",),
        ("Students from the college now present weekend shows on hospital radio.",),
    ),
    Topic(
        "ward keys",
        ("Ward keys go missing every week and the drug cupboard can't be opened.",),
        ("Keypad locks on the drug cupboards ended our lost-keys problem.",),
    ),
    Topic(
        "visiting hours",
        ("Relatives argue with us about the strict visiting hours.",),
        ("Open visiting with protected mealtimes made families calmer and the wards quieter.",),
    ),
    Topic(
        "portering delays",
        ("Patients wait an hour for a porter to take them to x-ray.",),
        ("A porter tracking app cut waits for transfers to x-ray to under 20 minutes.",),
    ),
    Topic(
        "pager cover for students",
        ("Medical students don't get shown how the ward works on their first day.",),
        ("A first-day ward tour and a one-page guide made students useful from day one.",),
    ),
    Topic(
        "car park barrier",
        ("The staff car park barrier rejects half our passes.",),
        ("Number-plate recognition replaced the passes for our staff car park.",),
    ),
)

NEEDS = (
    "Can't get {a replacement bariatric chair|new batteries for the sats probes|"
    "a second ECG machine for clinic|a working label printer|a decent monitor for the nurses' "
    "station|spare chargers for the tablets|a new fridge for the milk room|"
    "a fax replacement for the GP letters|the broken bed on bay 2 swapped|"
    "a working dictation headset} {approved|ordered|sorted} {for love nor money|"
    "without a three-month wait|this quarter}.",
    "{The mileage claim|My secondment paperwork|The honorary contract for the new psychologist|"
    "Our band 3 regrading|The change form for my reduced hours|The order for the new couch|"
    "The agency invoice|The training budget transfer|My name change on the payroll|"
    "The ID badge for our new starter} {is still sitting with|keeps bouncing back from|"
    "has vanished somewhere in} {payroll|procurement|workforce|the ICB|the directorate}.",
    "{The team meeting|Our journal club|The governance half-day|The rota planning session|"
    "The quarterly audit slot|The induction day} {keeps clashing with|always lands on|"
    "gets squeezed out by} {clinic|the ward round|the bed meeting|everyone's leave}.",
    "No space to {see relatives privately|store the wheelchairs|put the new bladder scanner|"
    "take breaks on the unit|do confidential phone calls|keep the resus trolley near bay 4|"
    "park the mobility scooters|sort the post}.",
    "Tbh I'm {not sure whether to go for the band 7|thinking about dropping to three days|"
    "lost with the new pension calculator|behind on my CPD hours|unsure how to get onto the "
    "ACP course|confused about my holiday entitlement after maternity leave|"
    "struggling to finish my revalidation reflections|trying to sort childcare around nights}.",
    "Holding {the safeguarding inbox|the sickness returns|the bed bureau phone|"
    "the team's budget|the complaints log|the student rota} for {my manager|our lead|"
    "the service manager} while they're off, and it's a lot.",
    "{The EPR|The bed board|The pathology ordering system|The new intranet|The rota app|"
    "The incident form|The expenses portal|The ESR self-service} {freezes every afternoon|"
    "won't let two people edit at once|won't open on the new laptops|"
    "won't print properly|takes forever to load}.",
    "Can't recruit {a band 6 physio|an ODP|a ward clerk|a stroke consultant|"
    "a paediatric dietitian|a specialist midwife|a CT radiographer|an estates plumber|"
    "a palliative care consultant|a ward pharmacist} - {no applicants at all|"
    "shortlisted nobody|three rounds of adverts}.",
    "Want to get {a bigger staff room|a second treatment room|a parents' room on the "
    "neonatal unit|new curtains for bay 3|a quiet room for bad news|better signs to the unit} "
    "but {capital funding is frozen|nobody will own it|the business case keeps stalling}.",
    "{Emails|Meetings|Teams chats|Data requests|Audit forms} {eat|swallow|take up} "
    "my whole day; can't get clinical work done.",
    "{Our Saturday phlebotomy|The evening dressing clinic|Our cardiac rehab class|"
    "The eye casualty clinic|Our walk-in x-ray|The stoma clinic} has {no cover|no nurse|"
    "no admin support} on {Fridays|bank holidays|Sundays}.",
    "Need to get my head round {Excel pivot tables|SQL for the data warehouse|"
    "the new job evaluation scheme|the national cost collection|"
    "writing a research protocol|how the ICB commissions services} and no idea where to "
    "start.",
    "Relatives keep asking us about {visiting at weekends|the hospital's lost property|"
    "car park refunds|where to buy food after 8pm|getting a copy of the notes}, and we just "
    "don't know.",
    "Grumbling in the team about {the new annual leave rules|the move to long days|"
    "the new car park charges|losing our office|the new uniform colours|"
    "the restructure consultation}.",
    "Our MDT meeting overruns every week.",
    "Statutory training compliance is under 75% and the e-learning crashes.",
    "Referral form for OT is five pages and nobody fills it in properly.",
    "The transfer of care letter template has too many boxes.",
    "Year-end stock take across two sites is doing my head in.",
    "Outpatient rooms double-booked because of two diaries.",
    "CQC visit next month and our policies are all out of date.",
    "Mobile signal in the basement clinics is zero.",
    "Half the unit has had norovirus this week.",
    "Covering a long-term sick colleague in a team of three.",
    "Supplier says we owe them for a delivery we never got.",
    "Estates are moving us to the old nurses' home and we weren't asked.",
    "Death certificates are taking days to be signed.",
    "Can't get a date for the pharmacy rotation with primary care.",
    "Our patient leaflets still have the old phone numbers.",
    "Junior doctor teaching gets bumped every week.",
    "Lost access to the team SharePoint after the migration.",
    "Consent forms in our audit are missing dates.",
    "New phone system cuts people off when we transfer them.",
    "Can't get study leave approved for the leadership programme.",
    "The 8.30 bed meeting clashes with our school runs.",
    "Night x-ray reports are two days behind.",
    "Swipe access stops working at the weekend.",
    "Our cost centre has someone else's agency bills on it.",
    "Nobody answers the microbiology phone.",
    "Scrubs sizes are wrong again.",
    "Records can't find notes from before 2015.",
    "Our data submissions keep failing validation.",
    "The hospital canteen closes before nights start.",
    "The dementia e-learning won't load.",
    "Interpreter invoices are being rejected by finance.",
    "The outpatient vaccine delivery was late and clinics got cancelled.",
    "Phones ring off the hook with relatives wanting updates.",
)
"""Needs on subjects no offer here answers."""

OFFERS = (
    "Did a teaching session on {tracheostomy suction|reading ABGs|NEWS2 escalation|"
    "using the sats probes properly|catheter care|sepsis screening for students|PEG feeds|"
    "arterial lines|spirometry|nebulisers|wound photography|manual handling} for {the new "
    "HCAs|the physiotherapy students|the student midwives|the bank nurses|our OT assistants}.",
    "Picked up loads about {coaching|conflict resolution|Lean|change management|"
    "reading financial reports|project management|presenting data|resilience|"
    "giving presentations|negotiation} on a {masterclass|two-day course|"
    "online module|regional study day}.",
    "We were shortlisted for the {Nursing Times|HSJ|trust's staff|regional quality} award "
    "for {our falls work|the frailty unit|our apprenticeship scheme|green theatres|"
    "the carers' passport|the volunteer programme}.",
    "Had a clear-out of {the equipment room|the team's shared inbox|the old notice boards|"
    "the filing cabinets|the sluice shelves|the seminar room cupboards} and it's {much "
    "easier to find things|a relief|done at last}.",
    "Made {a one-page guide to the new EPR shortcuts|an easy-read leaflet about blood tests|"
    "a welcome booklet for new porters|a guide to the car parks|a photo board of who's "
    "who on the unit|a quick guide to booking the seminar rooms|a map of the new outpatient "
    "block|a leaflet about our stoma service}.",
    "Started {a staff allotment|Friday cake|a Wordle league|a gratitude wall|"
    "a lunchtime yoga class|a team step challenge|a swap shop for kids' uniforms|"
    "a staff choir} {and it's brilliant|and people are loving it|on a tiny budget}.",
    "Finally get {statistical process control charts|how to write an SBAR|driver diagrams|"
    "Gantt charts|how to run a consensus workshop|plan-on-a-page templates}.",
    "{A sponsored cycle|Our cake sale|The Christmas raffle|A quiz night|The staff 5k} raised "
    "{£800|£1,500|£420} for {the stroke unit|the hospice|the children's hospital|"
    "our NHS charity}.",
    "Our {audit of fracture clinic letters|study of clinic room use|survey of staff "
    "commuting|review of pharmacy queues|audit of emergency laparotomy|"
    "evaluation of the therapy dog visits} was {accepted at a national conference|"
    "published|presented at grand round}.",
    "Our {podiatry team|pain team|continence service|wheelchair service|cardiac "
    "physiologists|orthoptists} {launched a text advice line|set up a patient forum|"
    "moved into the new hub|started joint clinics with the GPs}.",
    "{Pathology|Radiology|Our endoscopy unit|The sterile services unit|"
    "The mortuary|Our cardiac catheter lab} {got re-accredited|sailed through the "
    "inspection|passed the UKAS visit}.",
    "Learned {some tricks in Word|OneNote tricks|Teams shortcuts|how to use bookmarks in "
    "the EPR|Word mail merge|Word styles} that save {me ages|hours a week}.",
    "{The day surgery lounge|The children's outpatients|The renal unit|The maternity "
    "reception|The chemo suite} {got a makeover from volunteers|has new murals from a "
    "school|now has a little library}.",
    "Made links with {the local gurdwara|a community café|the rugby club|"
    "the sixth-form college|the Scouts|the library}, {who now run a stall in the foyer|"
    "who invited us to talk|who help at our open day}.",
    "Moved {the equipment booking|our annual leave calendar|the training matrix|"
    "the fridge temperature log|the on-call list} onto {SharePoint|Teams|a shared "
    "spreadsheet}.",
    "We rewrote the induction pack for new ward clerks.",
    "Archived ten years of old files from the shared drive.",
    "Our 10am safety huddle is working really well.",
    "Put up a display of patient thank-you cards by the lifts.",
    "Redecorated the family room on the ITU.",
    "New sharps policy is out and everyone's trained.",
    "Patients helped us rewrite the outpatient signs.",
    "Our Freedom to Speak Up champion now does walkabouts.",
    "Trialled a silicone dressing in the burns clinic.",
    "Journal club is back on Wednesdays.",
    "Reflective groups for midwives are running again.",
    "New layout in the fracture clinic plaster room works a treat.",
    "Switched the team briefing to a monthly podcast.",
    "Understood at last how our directorate's activity figures are counted.",
    "The chaplains ran a session on end-of-life rituals in different faiths.",
    "Ran a desktop exercise for a power cut and updated our plan.",
    "Four of us are now trained mental health first aiders.",
    "We finished the Oliver McGowan training as a team.",
    "Agenda for Change pay points finally make sense to me.",
    "Echo waits are within target for the first time.",
    "Made a video of a day in the life of our ward clerk for the staff awards.",
    "How to run a hot debrief after a resus.",
    "Built a Microsoft Form for study leave requests.",
    "Finished my MSc dissertation on discharge lounges.",
    "The new coffee machine in the staff room is a game changer.",
    "Set up a rota swap group on Teams.",
    "Our pharmacists wrote a guide to anticoagulants for care homes.",
    "We did a stand at the town fair about organ donation.",
    "The physio gym has a new sound system.",
    "We held a remembrance event for colleagues lost in the pandemic.",
    "Trained our porters in dementia awareness.",
    "Radiology explained how they protocol MRI requests.",
    "Mentored a new band 6 through her first six months.",
)
"""Offers on subjects no need here asks for."""

GENERIC_NEEDS = (
    "Nothing, all good.",
    "n/a",
    "Nope.",
    "On leave.",
    "Not this week.",
    "Same old.",
    "Just the usual.",
    "Sleep!",
    "Catching up on emails after being off.",
    "Nothing major.",
)
GENERIC_OFFERS = (
    "Nothing much.",
    "n/a",
    "Not really.",
    "Still learning!",
    "Mostly firefighting.",
    "Coffee helps.",
    "Nothing to share this time.",
    "Lots of meetings.",
    "Good team this week.",
    "Nope.",
)

CONTEXTS = (
    "since go-live",
    "with the bed pressures",
    "on the late shift",
    "across all three sites",
    "now we've lost two posts",
    "out in the community",
    "for the patients",
    "over the bank holiday",
    "since the restructure",
    "with the new consultants",
    "during the strikes",
    "on weekends",
)

NEED_OPENERS = ("", "", "", "Tbh ", "Still - ", "Ongoing: ", "Biggest one: ", "Again, ")
NEED_CLOSERS = (
    "",
    "",
    "",
    " Help!",
    " Anyone solved this?",
    " Thoughts welcome.",
    " Open to suggestions.",
    " Pointers please.",
)
OFFER_OPENERS = ("", "", "", "FYI ", "Good news - ", "Nice one this week: ", "Quick share: ")
OFFER_CLOSERS = (
    "",
    "",
    "",
    " Can send details.",
    " Drop me a message.",
    " Glad to show anyone.",
    " Took months, worth it.",
    " Details on request.",
)

NEED_QUESTIONS = ("Is anything blocking you?", "What would you like help with?")
OFFER_QUESTIONS = ("What could you share with others?", "What did you learn?")

BANK = Bank(
    name="held-out",
    planted=PLANTED,
    decoys=DECOYS,
    needs=NEEDS,
    offers=OFFERS,
    generic_needs=GENERIC_NEEDS,
    generic_offers=GENERIC_OFFERS,
    contexts=CONTEXTS,
    need_openers=NEED_OPENERS,
    need_closers=NEED_CLOSERS,
    offer_openers=OFFER_OPENERS,
    offer_closers=OFFER_CLOSERS,
    need_questions=NEED_QUESTIONS,
    offer_questions=OFFER_QUESTIONS,
)
