"""The tuning bank of the opportunities evaluation set: what the matcher was tuned on.

Written in the everyday wording of NHS staff answering a check-in. Each
planted topic has two ways of saying the need and two of saying the offer:
the two sides share the subject, not the sentence. The held-out bank
(``bench/opportunity_bank_heldout.py``) has other topics, other distractors
and another style, and the matcher was not tuned on it.

Distractor needs and offers are written so that no need here is answered by
an offer here (their subjects are kept apart on purpose), while they share
the vocabulary of the planted ones: discharge, clinic, rota, referrals,
spreadsheets, huddles, patients, wards. Decoys are true matches placed inside
one silo: a matcher that ignored the silo rule would suggest them.
"""

from __future__ import annotations

from bench.opportunity_set import Bank, Topic

PLANTED = (
    Topic(
        "discharge waiting for care packages",
        (
            "Patients medically fit for discharge are stuck on the ward for days waiting for a "
            "care package to be arranged before they can go home.",
            "Our delayed discharges keep climbing because nobody can get home care started in "
            "time for people who are ready to leave.",
        ),
        (
            "We got our discharge delays down with a daily huddle between the ward and the "
            "council's home care team, so packages are sorted before patients are ready to leave.",
            "Started a morning call with the social care brokers to line up home care early; "
            "people waiting to go home dropped from 30 to 12.",
        ),
    ),
    Topic(
        "missed outpatient appointments",
        (
            "Too many patients just don't turn up to their outpatient appointments and the "
            "clinic slots are wasted.",
            "Our did-not-attend rate in clinic is over 15% and I can't work out how to bring "
            "it down.",
        ),
        (
            "Sending text message reminders three days before appointments cut our "
            "non-attendance rate in clinic by a third.",
            "We now phone patients who missed their last appointment and offer SMS reminders; "
            "missed appointments fell a lot.",
        ),
    ),
    Topic(
        "sepsis screening",
        (
            "Sepsis screening on admission is patchy; half the time the screening tool isn't "
            "completed within the hour.",
            "How do other areas get staff to start the sepsis six within an hour? Our audit "
            "keeps failing.",
        ),
        (
            "Our sepsis audit went from 60% to 90% after we built the screening tool into the "
            "triage observations on the electronic record.",
            "A sepsis champion on each shift made the biggest difference to timely antibiotics "
            "and screening.",
        ),
    ),
    Topic(
        "keeping newly qualified nurses",
        (
            "We keep losing newly qualified nurses in their first year; they leave before "
            "they've found their feet.",
            "Retention of new starters on the ward is awful, especially nurses straight out of "
            "university.",
        ),
        (
            "Our preceptorship programme, with a named buddy and protected study days, has kept "
            "nearly all our newly qualified nurses past their first year.",
            "Rebuilt how we support first-year nurses: monthly check-ins and a buddy; turnover "
            "of new starters halved.",
        ),
    ),
    Topic(
        "falls at night",
        (
            "Inpatient falls at night on our elderly care ward are up again and we're not sure "
            "what's driving it.",
            "How do we stop confused older patients falling when they get up in the night?",
        ),
        (
            "Cohorting patients at high risk of falls in a bay near the nurses' station, with "
            "low beds and sensor mats, cut our night-time falls.",
            "Our falls review found most happened at night on the way to the toilet; regular "
            "rounding overnight fixed much of it.",
        ),
    ),
    Topic(
        "medicines reconciliation",
        (
            "Medicines reconciliation isn't getting done within 24 hours of admission and we "
            "keep finding errors later.",
            "Patients' usual medications are often wrong on the drug chart after admission.",
        ),
        (
            "Pharmacy technicians now do medicines reconciliation on the admissions unit, and we "
            "hit 90% within 24 hours.",
            "Using the GP summary care record to check patients' regular medications when "
            "they're admitted catches most of the errors.",
        ),
    ),
    Topic(
        "interpreters",
        (
            "Booking interpreters for patients who don't speak English takes ages and "
            "appointments get cancelled.",
            "Families end up translating for relatives in consultations because we can't get a "
            "professional interpreter in time.",
        ),
        (
            "We set up on-demand video interpreting on the ward tablets, so a professional "
            "interpreter is there in minutes for most languages.",
            "Put together a guide to booking telephone and face-to-face interpreters; it stopped "
            "us relying on family members to translate.",
        ),
    ),
    Topic(
        "pressure ulcers at home",
        (
            "Pressure ulcers in housebound patients on our caseload keep getting worse between "
            "visits.",
            "Looking for ideas on preventing pressure damage for people cared for at home by "
            "their families.",
        ),
        (
            "Teaching carers and families the basics of skin checks and repositioning cut new "
            "pressure ulcers among our housebound patients.",
            "Short training on pressure area care for care home staff meant far fewer grade 3 "
            "and 4 pressure sores.",
        ),
    ),
    Topic(
        "live performance figures",
        (
            "Our performance reports are built by hand in Excel every month and take days; "
            "there must be a better way.",
            "Managers want live figures on waiting times but all we have is a monthly spreadsheet.",
        ),
        (
            "I built a Power BI dashboard that pulls waiting times straight from the data "
            "warehouse, so managers see live figures instead of a monthly spreadsheet.",
            "Automated our monthly performance report in Power BI; what took three days in "
            "Excel now refreshes overnight.",
        ),
    ),
    Topic(
        "return to work after sickness",
        (
            "Sickness absence in my team is high and return-to-work conversations feel like a "
            "box-ticking exercise.",
            "Struggling to support staff coming back after long-term sickness without them "
            "going off again.",
        ),
        (
            "We trained managers to hold supportive return-to-work conversations and use phased "
            "returns; long-term sickness absence came down.",
            "A phased return plan agreed with occupational health really helps staff come back "
            "after long-term sickness.",
        ),
    ),
    Topic(
        "delirium",
        (
            "Delirium in older patients after surgery often isn't picked up until it's severe.",
            "Confusion on the orthopaedic ward gets put down to dementia, and delirium is missed.",
        ),
        (
            "Introduced the 4AT delirium screen at admission and daily; we pick up delirium in "
            "older patients much earlier now.",
            "Our delirium prevention bundle (glasses, hearing aids, sleep, drinks) halved "
            "post-operative confusion in older patients.",
        ),
    ),
    Topic(
        "frequent attenders",
        (
            "A small group of frequent attenders come to A&E several times a week and we have "
            "nothing to offer them.",
            "The same few people keep turning up at the emergency department every few days, "
            "mostly lonely or in crisis.",
        ),
        (
            "Our high intensity user service gives frequent attenders a named coach; their "
            "emergency department visits dropped by half.",
            "Working with people who attend A&E very often taught me that loneliness, housing "
            "and debt are usually behind it.",
        ),
    ),
    Topic(
        "smokers on the ward",
        (
            "Hardly any inpatients who smoke get referred to stop smoking support.",
            "Patients who smoke just go outside; we never offer them nicotine replacement on the "
            "ward.",
        ),
        (
            "We made stop smoking advice an opt-out part of admission, with nicotine replacement "
            "on the ward, and referrals went up fivefold.",
            "Offering nicotine patches and lozenges straight away on admission makes patients "
            "far more willing to quit smoking.",
        ),
    ),
    Topic(
        "antibiotic review",
        (
            "Patients stay on IV antibiotics for days longer than they need to.",
            "Antibiotic prescriptions rarely get reviewed at 48 hours and our broad-spectrum use "
            "is high.",
        ),
        (
            "An antibiotic review sticker at 48 hours prompts the switch from IV to oral; our "
            "intravenous antibiotic days fell by a fifth.",
            "A weekly antimicrobial stewardship ward round with microbiology cut broad-spectrum "
            "antibiotic prescribing.",
        ),
    ),
    Topic(
        "end of life wishes",
        (
            "Conversations about end of life wishes happen far too late, often in the last days "
            "in hospital.",
            "We rarely know what patients want at the end of life when they're admitted as an "
            "emergency.",
        ),
        (
            "GP practices and our team now start advance care planning conversations earlier, "
            "recording wishes on ReSPECT forms everyone can see.",
            "Found a simple way to open conversations about what matters to people at the end "
            "of their life, well before a crisis.",
        ),
    ),
    Topic(
        "mental health crisis waits",
        (
            "People in mental health crisis wait 24 hours or more in A&E for a bed.",
            "Our emergency department has no calm space for patients in mental health crisis "
            "and they wait for hours.",
        ),
        (
            "Our crisis café and mental health assessment unit take people in crisis straight "
            "from A&E, so they no longer wait for hours in the department.",
            "Liaison psychiatry now sees mental health patients in the emergency department "
            "within an hour; long waits in crisis are much rarer.",
        ),
    ),
    Topic(
        "staff flu jabs",
        (
            "Staff flu vaccination uptake in our directorate is stuck around 50%.",
            "Can't get night staff and community teams to have their flu jab.",
        ),
        (
            "Peer vaccinators on every ward and a roaming flu trolley on nights got our staff "
            "flu jab uptake to 80%.",
            "We took flu vaccination to staff where they work, including night shifts and "
            "community bases, and uptake rose sharply.",
        ),
    ),
    Topic(
        "patient feedback response rates",
        (
            "Our Friends and Family Test response rate is tiny, so the patient feedback tells "
            "us nothing.",
            "Getting patients to give feedback after discharge is hard; the paper cards just "
            "pile up.",
        ),
        (
            "Moved patient feedback to a QR code and a text survey after discharge; Friends and "
            "Family Test responses went up tenfold.",
            "Asking for feedback by text on the day people leave hospital gets far more replies "
            "than paper cards.",
        ),
    ),
    Topic(
        "volunteers",
        (
            "We want volunteers to help at mealtimes but recruitment has stalled.",
            "Our volunteer service has shrunk since the pandemic and the wards miss them.",
        ),
        (
            "Recruited forty new volunteers through the local college and a simple online "
            "application; most now help on wards at mealtimes.",
            "Our volunteer coordinator rebuilt recruitment around short, flexible roles and "
            "numbers are back above pre-pandemic levels.",
        ),
    ),
    Topic(
        "monitoring at home",
        (
            "We want patients with heart failure monitored at home, but don't know where to "
            "start with remote monitoring.",
            "Some patients could go home earlier if we could keep an eye on their observations "
            "remotely.",
        ),
        (
            "Our virtual ward sends patients home with pulse oximeters and blood pressure cuffs; "
            "readings come back to a nurse hub every day.",
            "Set up remote monitoring of observations at home for people leaving hospital early; "
            "the technology was easier than we feared.",
        ),
    ),
    Topic(
        "people left behind by online booking",
        (
            "Lots of our older patients can't use the online booking app and end up phoning in "
            "frustrated.",
            "Moving appointments online is leaving people without smartphones or internet behind.",
        ),
        (
            "Digital champions in the library show older people how to use the NHS App; calls to "
            "book appointments dropped.",
            "We kept a phone and paper route alongside online booking and trained volunteers to "
            "help people without internet access.",
        ),
    ),
    Topic(
        "validating the waiting list",
        (
            "Our elective waiting list has thousands of patients and we don't know how many "
            "still need their operation.",
            "Patients on the waiting list for over a year may have moved, recovered or gone "
            "private, but nobody has checked.",
        ),
        (
            "We validated the waiting list by texting every patient waiting over a year; about "
            "one in eight no longer needed treatment.",
            "How to run a clinical validation of a long waiting list safely, prioritising by "
            "harm, in a few weeks: happy to walk anyone through it.",
        ),
    ),
    Topic(
        "carbon in theatres",
        (
            "We have a net zero target but no idea where to start in theatres.",
            "Looking for practical ways to cut the carbon footprint of surgery.",
        ),
        (
            "Switching away from desflurane cut our theatres' carbon footprint more than "
            "anything else we tried.",
            "Our green theatre group reduced single-use items and anaesthetic gas emissions; "
            "there's a checklist for net zero surgery.",
        ),
    ),
    Topic(
        "safeguarding referrals sent back",
        (
            "Safeguarding referrals from our teams are often sent back because they lack the "
            "information the local authority needs.",
            "Not sure what makes a good adult safeguarding concern; ours keep getting bounced "
            "back.",
        ),
        (
            "Wrote a one-page guide with the council on what a good safeguarding referral "
            "includes; far fewer are returned.",
            "The local authority's safeguarding team explained what information they need to "
            "act on an adult safeguarding concern.",
        ),
    ),
    Topic(
        "lone working",
        (
            "Community staff visiting homes alone in the evening don't feel safe and there's no "
            "proper check-in system.",
            "Worried about our lone workers on late home visits; we only find out they're fine "
            "the next morning.",
        ),
        (
            "We gave lone workers a safety app with a check-in timer and an alarm that goes to "
            "a monitoring centre.",
            "Set up a buddy call system for staff doing home visits alone after dark; everyone "
            "calls in when they finish.",
        ),
    ),
    Topic(
        "breastfeeding after going home",
        (
            "Breastfeeding rates drop off sharply in the first week after mothers go home.",
            "New mums stop breastfeeding within days of leaving the maternity unit.",
        ),
        (
            "Peer supporters who phone new mothers in their first days at home helped far more "
            "keep breastfeeding.",
            "Our infant feeding team runs a daily drop-in for mothers after birth; breastfeeding "
            "at ten days went up.",
        ),
    ),
    Topic(
        "low mood in pregnancy",
        (
            "Midwives are unsure how to ask about low mood in pregnancy and where to refer.",
            "Women with anxiety or depression after birth often slip through the net.",
        ),
        (
            "We added two simple questions on mood to every antenatal contact and a direct "
            "referral to the perinatal mental health team.",
            "Training on spotting postnatal depression early and referring to specialist "
            "perinatal mental health services was eye-opening.",
        ),
    ),
    Topic(
        "bariatric equipment",
        (
            "When a heavier patient is admitted we spend hours finding the right bed, hoist and "
            "chair.",
            "Sourcing bariatric equipment at short notice is a nightmare, especially out of hours.",
        ),
        (
            "We made a bariatric equipment library with a 24-hour ordering line; wards get a "
            "suitable bed and hoist within two hours.",
            "Mapped every piece of bariatric kit across the trust and put the list on the "
            "intranet so anyone can find a bed or hoist quickly.",
        ),
    ),
    Topic(
        "operations cancelled on the day",
        (
            "Too many operations are cancelled on the day because there's no bed or the patient "
            "isn't ready.",
            "On-the-day cancellations in theatre are wasting lists and upsetting patients.",
        ),
        (
            "A pre-operative phone call two days before surgery halved our on-the-day "
            "cancellations.",
            "We review every theatre list a week ahead to check beds and pre-op assessment, so "
            "far fewer operations get cancelled on the day.",
        ),
    ),
    Topic(
        "typing backlog for clinic letters",
        (
            "Clinic letters are taking six weeks to reach GPs because of the typing backlog.",
            "Our secretaries can't keep up with dictation and letters go out weeks late.",
        ),
        (
            "Speech recognition for clinic letters cleared our typing backlog; letters now "
            "reach GPs within a week.",
            "Consultants dictating straight into voice recognition software frees the "
            "secretaries and gets letters out days sooner.",
        ),
    ),
    Topic(
        "international nurses",
        (
            "Nurses recruited from overseas struggle with the OSCE and settling into the ward.",
            "Our internationally educated nurses need more support getting through the OSCE and "
            "registration.",
        ),
        (
            "Our pastoral and OSCE preparation programme for international nurses has a 95% "
            "first-time pass rate.",
            "Buddying and help with housing matter enormously for overseas nurses in their "
            "first months.",
        ),
    ),
    Topic(
        "abuse at reception",
        (
            "Verbal abuse towards reception staff has got much worse and people are dreading "
            "their shifts.",
            "Staff on the front desk face aggressive patients most days and don't feel supported.",
        ),
        (
            "Conflict resolution training and body-worn cameras for reception and security "
            "staff cut abusive incidents.",
            "A calm, well-signed waiting area and regular updates on waits reduce aggression at "
            "the front desk.",
        ),
    ),
    Topic(
        "transport home",
        (
            "Patients wait hours for transport home after discharge and fill up the discharge "
            "lounge.",
            "Non-emergency patient transport is so unreliable that clinic patients miss their "
            "slots.",
        ),
        (
            "Booking non-emergency transport the day before discharge, not on the day, cut "
            "waits in our discharge lounge.",
            "Worked with the ambulance service on a single transport booking line; far fewer "
            "patients now wait hours to get home.",
        ),
    ),
    Topic(
        "handover to the night team",
        (
            "Handover between day and night teams is rushed and jobs get missed overnight.",
            "Night doctors don't know which patients are sickest because the handover is just a "
            "list.",
        ),
        (
            "A structured electronic handover with a sickest-first list made nights much safer.",
            "We moved to a face-to-face handover meeting at 9pm using SBAR; fewer jobs are "
            "missed overnight.",
        ),
    ),
    Topic(
        "loneliness",
        (
            "Many of our patients' problems are loneliness and isolation, not medical, and we "
            "have nowhere to send them.",
            "GPs see people week after week who are really just isolated; we'd like somewhere "
            "to refer them.",
        ),
        (
            "Our social prescribing link workers connect isolated people to community groups; GP "
            "visits from those patients fell.",
            "How social prescribing works: a link worker, a few conversations, and a local "
            "group that fits the person. Happy to explain.",
        ),
    ),
    Topic(
        "eating on the ward",
        (
            "Older patients aren't eating enough on the ward and we only notice when they've "
            "lost weight.",
            "Malnutrition screening is done on admission and then forgotten.",
        ),
        (
            "Protected mealtimes and red trays for patients who need help eating made a real "
            "difference to nutrition on our wards.",
            "We repeat the MUST malnutrition screen weekly and weigh patients on set days; "
            "weight loss is caught early.",
        ),
    ),
    Topic(
        "healthcare assistant vacancies",
        (
            "We can't fill healthcare assistant vacancies; adverts get almost no applicants.",
            "Support worker posts sit vacant for months.",
        ),
        (
            "Open recruitment days with interviews on the spot filled all our healthcare "
            "support worker vacancies.",
            "Advertising HCA roles through local job centres and community groups brings far "
            "more applicants than NHS Jobs alone.",
        ),
    ),
    Topic(
        "sharing records with social care",
        (
            "We don't know if we're allowed to share patient information with the council's "
            "social workers.",
            "Information governance worries are stopping us sharing records with social care.",
        ),
        (
            "Drafted a data sharing agreement with the council so our nurses and their social "
            "workers can share records legally.",
            "What information governance actually allows when sharing patient information with "
            "social care: more than people think.",
        ),
    ),
    Topic(
        "catheter infections",
        (
            "Urinary catheters stay in longer than they should and infections follow.",
            "Catheter-associated urine infections are our most common hospital-acquired infection.",
        ),
        (
            "A daily catheter review prompt on the nursing round got catheters out sooner and "
            "cut urinary infections.",
            "We used a catheter passport and removal checklist; catheter infections dropped by "
            "40%.",
        ),
    ),
    Topic(
        "moving to adult services",
        (
            "Teenagers with long-term conditions get lost when they move from children's to "
            "adult services.",
            "Young people with diabetes stop coming to clinic after they turn eighteen.",
        ),
        (
            "Our transition clinic, run jointly by paediatric and adult teams, keeps young "
            "people with long-term conditions in care as they move to adult services.",
            "A youth worker in clinic helps young people stay engaged through the move from "
            "children's to adult care.",
        ),
    ),
    Topic(
        "ward stock running out",
        (
            "Wards run out of basic stock like dressings and order in a panic at the weekend.",
            "Our stock rooms are chaos: too much of some things, none of others.",
        ),
        (
            "A top-up service where stores staff restock ward cupboards twice a week ended the "
            "weekend stock panics.",
            "We set par levels for every stock room and scan items with barcodes; nothing runs "
            "out now.",
        ),
    ),
    Topic(
        "repairs",
        (
            "Reporting a broken door or a leak to estates takes forever and nobody knows where "
            "the job is.",
            "Maintenance requests disappear into a black hole; we chase estates by email for "
            "weeks.",
        ),
        (
            "Our new online helpdesk for estates repairs lets staff log a job and track it; "
            "response times improved.",
            "Giving each ward a named estates contact and a weekly walk-round gets repairs done "
            "far quicker.",
        ),
    ),
    Topic(
        "logging in",
        (
            "Clinicians waste minutes every time they log into the computers on the ward; it "
            "adds up to hours.",
            "Logging in to five different systems each shift is driving staff mad.",
        ),
        (
            "Single sign-on with tap-in smartcards cut login time on ward computers from "
            "minutes to seconds.",
            "We rolled out tap-and-go login so staff move between clinical systems without "
            "typing passwords.",
        ),
    ),
    Topic(
        "agency spend",
        (
            "Our bank and agency spend is way over budget and finance wants a plan.",
            "We have to cut agency nursing costs without leaving shifts unsafe.",
        ),
        (
            "Filling shifts early through our own staff bank, with a weekly rota review, cut "
            "agency spend by a third.",
            "E-rostering data shows where agency shifts come from; booking bank staff earlier "
            "saved a fortune.",
        ),
    ),
    Topic(
        "take-home medicines",
        (
            "Discharges are held up for hours waiting for take-home medicines from pharmacy.",
            "Patients ready to go home sit waiting all afternoon for their TTOs.",
        ),
        (
            "Writing discharge prescriptions the day before, with pharmacy dispensing them in "
            "the morning, means take-home medicines are ready when patients are.",
            "A pharmacy satellite on the ward clears take-home medications within an hour.",
        ),
    ),
    Topic(
        "clinical coding",
        (
            "Our clinical coding misses comorbidities, so our mortality figures look worse than "
            "they are.",
            "Coders can't find diagnoses in the notes and our case mix is under-recorded.",
        ),
        (
            "Coders now join ward rounds once a week and comorbidity recording improved, along "
            "with our mortality index.",
            "Better documentation of diagnoses in the notes improves clinical coding and our "
            "income: I've a short checklist.",
        ),
    ),
    Topic(
        "menopause",
        (
            "Several experienced staff are thinking of leaving because of menopause symptoms "
            "and long shifts.",
            "We have no real support for colleagues going through the menopause.",
        ),
        (
            "Our menopause café and flexible shift patterns have kept experienced staff who "
            "were planning to leave.",
            "Wrote a menopause guide for managers with reasonable adjustments like uniform, cool "
            "rooms and flexible hours.",
        ),
    ),
    Topic(
        "ambulance handovers",
        (
            "Ambulances queue outside A&E for hours waiting to hand over patients.",
            "Crews are stuck with patients in corridors because we can't accept the handover.",
        ),
        (
            "A rapid handover area staffed by one nurse lets ambulance crews hand over within "
            "30 minutes and get back on the road.",
            "Cohorting ambulance patients releases crews quickly while still keeping patients "
            "safe.",
        ),
    ),
    Topic(
        "learning disability in clinic",
        (
            "Patients with learning disabilities find our clinics overwhelming and often leave "
            "before being seen.",
            "We don't know how to make appointments work for people with autism or a learning "
            "disability.",
        ),
        (
            "Hospital passports and quiet first appointments have helped people with learning "
            "disabilities and autism get through clinic.",
            "Our learning disability liaison nurse taught us simple reasonable adjustments: "
            "longer slots, easy-read letters, a quiet room.",
        ),
    ),
    Topic(
        "research recruitment",
        (
            "We struggle to recruit patients to clinical trials; consultants don't have time to "
            "approach them.",
            "Research studies in our specialty close early because we can't find enough "
            "participants.",
        ),
        (
            "Research nurses screening clinic lists each week doubled our recruitment to "
            "clinical trials.",
            "A 'research ready' flag on the patient record helps us find study participants fast.",
        ),
    ),
)
"""Fifty topics, one planted pair each: a need in one silo, an offer in another."""

DECOYS = (
    Topic(
        "staff parking before early shifts",
        ("Staff can't find anywhere to park before early shifts and arrive late.",),
        ("Car sharing and a park-and-ride shuttle freed up staff parking for early shifts.",),
    ),
    Topic(
        "commodes",
        ("Commodes aren't always cleaned properly between patients.",),
        ("Green 'I am clean' tags on commodes show at a glance which ones were cleaned.",),
    ),
    Topic(
        "summer leave",
        ("Annual leave requests clash and the summer rota falls apart every year.",),
        (
            "Opening the summer leave planner in January, first come first served, ended the "
            "clashes.",
        ),
    ),
    Topic(
        "blood results",
        ("Abnormal blood results from the weekend sometimes sit unread until Tuesday.",),
        ("A weekend results rota with one named doctor signing off abnormal bloods.",),
    ),
    Topic(
        "tracheostomy care",
        ("Ward nurses feel unsafe caring for patients with a tracheostomy.",),
        ("Tracheostomy bedside boxes and a short competency course gave nurses confidence.",),
    ),
    Topic(
        "noise at night",
        ("Patients complain they can't sleep because the ward is so noisy at night.",),
        ("Eye masks, ear plugs and soft-close bins made our wards quieter for sleep at night.",),
    ),
    Topic(
        "complaint responses",
        ("Our complaint responses take months and families get angrier while they wait.",),
        ("Phoning families within two days of a complaint resolves most of them quickly.",),
    ),
    Topic(
        "call bells",
        ("Call bells ring for ages before anyone answers them.",),
        ("Intentional rounding every hour cut call bell use and the wait to answer them.",),
    ),
    Topic(
        "lost property",
        ("Patients' glasses and dentures go missing when they move between wards.",),
        (
            "Labelled property bags that travel with the patient stopped glasses and dentures "
            "going missing.",
        ),
    ),
    Topic(
        "fridge temperatures",
        ("Vaccine fridge temperatures aren't checked at weekends.",),
        ("Wireless fridge thermometers alert pharmacy when a vaccine fridge is out of range.",),
    ),
)
"""True matches between two members who share a silo: never to be suggested."""

NEEDS = (
    "The {ward printer|bladder scanner|blood gas analyser|ECG machine in clinic|label printer|"
    "projector in the seminar room|dictaphone I was given|weighing scales in clinic|"
    "ward's only wheelchair|shredder in the office|telephone in the clinic room|"
    "spare defibrillator} {has been broken for two weeks|keeps breaking down|"
    "went for repair a month ago and never came back|needs replacing and nobody has the budget|"
    "only works half the time}.",
    "{My study leave request|The purchase order for new clinic chairs|The contract for our locum|"
    "My flexible working application|The honorary contract for a visiting researcher|"
    "The DBS check for our new starter|Our new starter's IT account|"
    "The job description for the new coordinator post|The funding request for a conference place|"
    "The invoice for our training day|The lease renewal for the satellite clinic|"
    "The grading review for our receptionists} has been stuck with {HR|finance|procurement|IT|"
    "the executive team|the directorate office} for {weeks|over a month|ages}.",
    "Finding a date for {the team away day|our audit meeting|the fire drill|the team Christmas do|"
    "the quarterly governance meeting|a joint session with the other site|"
    "the leaving do for our matron|the patient panel} that suits everyone.",
    "We have nowhere to {store the new equipment that just arrived|"
    "have confidential conversations with relatives|eat on night shifts|"
    "put the new starters' desks|keep the notes trolley|"
    "hold team meetings now the seminar room has gone|charge the ward tablets|"
    "dry wet coats and umbrellas}.",
    "I'm trying to {understand the new pension rules before I decide about retirement|"
    "work out whether I can afford to go part-time|"
    "get my revalidation portfolio finished before the deadline|"
    "make sense of my payslip after the pay award|"
    "work out my leave entitlement after moving trusts|"
    "decide whether to apply for the secondment|claim back my registration fee|"
    "get my car lease paperwork sorted}.",
    "I'm covering {the rota|the budget sign-offs|the incident reviews|the complaints inbox|"
    "the governance reports|the audit returns} on top of my own job while {our manager|"
    "our team lead|our band 7|our matron} is off {long term|for six weeks|after an operation}.",
    "The {new finance ledger|incident reporting form|room booking system|"
    "pathology ordering screen|intranet search|staff survey portal|new appraisal portal|"
    "expenses system|e-learning platform|policy library} {doesn't let us save drafts|"
    "is so slow it times out|doesn't work on the ward tablets|"
    "needs six clicks for one simple thing|has no way to search properly}.",
    "Recruiting {a consultant radiologist|a band 6 occupational therapist|a clinical psychologist|"
    "a sonographer|a specialist dietitian|a finance business partner|an estates electrician|"
    "a senior pharmacist for the aseptic unit|a speech and language therapist|a data analyst} "
    "{has gone nowhere for a year|is impossible: nobody suitable applies|"
    "keeps failing at the interview stage}.",
    "Getting sign-off for {a second sonographer|a sensory room for the dementia unit|"
    "new chairs for the waiting room|a replacement minibus for day patients|"
    "a bereavement support worker|a bigger team room|the patient library} {from the board|"
    "from the directorate|before the end of the financial year}.",
    "{Drowning in email|Too many Teams messages|Constant interruptions from the bleep|"
    "Too many duplicate forms|Endless requests for the same data} "
    "{and I can't get proper work done|and I'm working late every night|"
    "and the important things get lost}.",
    "Our {outpatient hysteroscopy list|weekend phlebotomy service|Saturday fracture clinic|"
    "paediatric allergy clinic|cast clinic|community podiatry clinic|chest pain clinic|"
    "lymphoedema service} has no {nurse to assist|cover} on {Fridays|Saturdays|Mondays}.",
    "I need to learn {Welsh for my new post|British Sign Language basics|"
    "how to use SystmOne|how to read a balance sheet|Python for our audit data|"
    "the new coding standards for procedures} {and there's no course locally|"
    "but there's no time in the rota}.",
    "Patients keep asking us about {parking charges|where to borrow a wheelchair for the day|"
    "the hospital Wi-Fi|how to claim back travel costs|prescription charges}, and we don't "
    "have a good answer.",
    "There's a lot of unhappiness in the team about {the new shift pattern|"
    "the pay award arrears|the uniform policy|the move to the new building|"
    "the changes to car parking permits|the new dress code}.",
    "Team meetings overrun every week and decisions never get written down.",
    "Mandatory training compliance in my team is below 70% and the e-learning keeps timing out.",
    "Our referral form for physiotherapy is four pages long and GPs hate it.",
    "The discharge summary template is so long that GPs can't find the plan.",
    "Understanding the new national tariff for our service line.",
    "Year-end reconciliation across three different ledgers is a nightmare.",
    "Clinic rooms get double-booked because two teams use different booking systems.",
    "Preparing for the CQC inspection next month and our evidence folders are a mess.",
    "The Wi-Fi drops in the maternity unit so midwives can't update records at the bedside.",
    "Half the team is off with a stomach bug and we're scraping through.",
    "Arranging cover for a long maternity leave in a small team.",
    "Chasing invoices that a supplier says we never paid.",
    "Estates want to move our team to another building and nobody asked about clinic space.",
    "Our bereavement office can't keep up with the paperwork after a death.",
    "Trying to get a rotation for pharmacy technicians agreed with the community trust.",
    "The patient information leaflets for our clinic are years out of date.",
    "Junior doctors' teaching keeps getting cancelled because of rota gaps.",
    "I can't get access to the shared drive since my account was moved.",
    "Our audit of consent forms found missing signatures and dates.",
    "The new phone system drops calls when patients are transferred.",
    "Working out how to fund places on a leadership course for band 6 staff.",
    "The bed management meeting at 8am clashes with ward rounds.",
    "Our cancer multidisciplinary meeting runs three hours and half the cases aren't ready.",
    "The overnight x-ray reporting backlog is growing again.",
    "Staff can't get into the building at weekends because the swipe cards stop working.",
    "Our team's budget statement has charges from another department on it.",
    "Getting hold of the pathology department on the phone is impossible.",
    "The new uniform sizes are wrong and half the team can't wear them.",
    "The records department can't find the paper notes for older patients.",
    "Our service's data returns to NHS England keep being rejected.",
    "Staff rest rooms on nights are locked because nobody has the key.",
    "The vending machine on the top floor has been empty for a month.",
    "The hospital shop closes before the night shift starts.",
    "The sepsis e-learning module won't load on the ward computers.",
    "The interpreter invoice codes changed and finance keeps rejecting them.",
    "The flu vaccine delivery for patients came late and two clinics were cancelled.",
    "Relatives ring the ward all day for updates and the phone never stops.",
    "Our smoking shelter was removed and people now smoke by the main entrance.",
    "The falls policy is being rewritten and the draft is 40 pages long.",
    "The discharge lounge has no toilet nearby.",
)
"""Needs on subjects no offer here answers (``{a|b}``: a choice; the first is the subject)."""

OFFERS = (
    "Ran a teaching session on {ECG interpretation|reading blood gases|insulin pens|"
    "using the new hoists|chest drain care|basic life support|reading chest x-rays|"
    "plaster casts|syringe drivers|ear irrigation|blood glucose meters|oxygen cylinders} for "
    "{the physician associates|our new healthcare assistants|the student nurses|"
    "the therapy team|our band 5s}.",
    "Learned a lot about {coaching conversations|negotiation|project management|"
    "managing budgets|unconscious bias|giving feedback|lean methodology|public speaking|"
    "writing for publication|presenting to the board} on a {leadership course|study day|"
    "two-day workshop|webinar}.",
    "The trust's award for {patient experience|innovation|team of the year|support services|"
    "education|kindness} went to our team this year.",
    "We reorganised the {linen store|plaster room|team's shared calendar|notice boards|"
    "office layout|handover room|seminar room bookings} and it {saves time on every shift|"
    "makes life easier for everyone|took only an afternoon}.",
    "Wrote {easy-read guidance on visiting times|a guide to chemotherapy side effects for GPs|"
    "new guidance on insulin pens|a leaflet on caring for a plaster cast|"
    "a welcome pack for students on placement|a glossary of NHS acronyms for new admin staff|"
    "a guide to the hospital's quiet spaces|a checklist for moving office}.",
    "Set up {a lunchtime walking group|a staff book club|a wellbeing room with comfortable chairs|"
    "a 'thank you' board in the staff room|a monthly team breakfast|a choir for staff|"
    "a running club|a gratitude jar} {and people love it|and it's lifted the mood|"
    "on a shoestring}.",
    "How to {present data as a run chart|write a SMART objective|run a PDSA cycle|"
    "write a business case that finance will accept|use a driver diagram|"
    "measure patient-reported outcomes|write a good project charter|"
    "run a focus group with patients}: finally understood.",
    "{Our bake sale|A sponsored walk|Our raffle|A charity quiz night|The staff fun run|"
    "Our Christmas jumper day} raised {£600|£1,200|£350} for {the children's ward|the hospice|"
    "the neonatal unit|the hospital charity}.",
    "We {published|presented} our {audit of hip replacements|study of nurse-led clinics|"
    "review of stroke thrombolysis times|survey of staff commuting|"
    "audit of fracture clinic waits|evaluation of the new walking aids} {in a national journal|"
    "at a regional conference|at the trust's research day}.",
    "Our {audiology team|dermatology nurses|diabetes team|urology nurses|"
    "hand therapists|orthotics service} {started a telephone advice line for GPs|"
    "launched group sessions for new patients|moved into the new health centre|"
    "won a research grant}.",
    "Our {endoscopy unit|pathology lab|breast screening service|sterile services department|"
    "blood transfusion lab|neonatal unit} passed its {accreditation|external inspection|audit} "
    "{after two years of work|with no actions|first time}.",
    "Learned some {tricks in Word templates|tricks in Microsoft Teams|"
    "features of Outlook's calendar|ways to use OneNote|keyboard shortcuts in the EPR|"
    "tips for SharePoint} that save me "
    "{ten minutes a day|hours a week|a lot of clicks}.",
    "The {outpatient waiting area|children's waiting room|day unit lounge|eye clinic corridor|"
    "dialysis unit} {got new artwork from a local school|was redecorated with patients' help|"
    "now has a book trolley}.",
    "We built links with {the local mosque|the food bank|a men's shed|"
    "the football club's foundation|the university's nursing school|a local primary school}, "
    "{who now visit the ward|who now host some of our events|who help with our open days}.",
    "Switched {the team's paper diaries|our clinic lists|the training records|"
    "the equipment log|our sign-in sheets} to {a shared spreadsheet|SharePoint|Microsoft Forms}.",
    "We redesigned our induction booklet for new administrators.",
    "Tidied the shared drive and archived old folders; finding documents is easy again.",
    "We now run a 15-minute huddle at the start of each shift to go through safety concerns.",
    "Our unit celebrated its 50th anniversary with a board of patient stories.",
    "We refurbished the relatives' room on the stroke unit.",
    "Updated the sharps disposal policy and trained the team.",
    "We redesigned the outpatient signage with patients' help; fewer people get lost.",
    "Our freedom to speak up guardian now visits every team once a quarter.",
    "We trialled a new wound dressing in the leg ulcer clinic.",
    "Started a journal club for the therapy team on Thursday lunchtimes.",
    "Reflective practice groups for health visitors are running monthly now.",
    "We tested a new layout for the plaster room; fewer trips between rooms.",
    "We switched our team newsletter to a short video each month.",
    "How the capital planning cycle works, from bid to approval.",
    "The chaplaincy team taught us how to support families of different faiths.",
    "We ran a mock major incident exercise and rewrote our action cards.",
    "Trained three staff as mental health first aiders.",
    "Our team finished the accessible information standard training.",
    "How the NHS pay bands and increments work, explained for new managers.",
    "Our cardiology team reached the national target for echo waiting times.",
    "Made a short film about a day in the life of a porter for the staff awards.",
    "How to run a good debrief after a difficult shift.",
    "Built a simple form to request annual leave in Microsoft Forms.",
    "Finished my master's dissertation on nurse-led clinics.",
    "The new hand dryer in the staff toilets is a small joy.",
    "Set up a WhatsApp group for the team's shift swaps (no patient details).",
    "Our oncology pharmacists wrote a guide to chemotherapy side effects for GPs.",
    "We ran a stall at the county show about healthy eating.",
    "We made a playlist for the physiotherapy gym; patients love it.",
    "We held a memorial service for a much-loved colleague.",
    "We trained two porters as dementia friends.",
    "The radiology team shared how they vet CT requests.",
    "I mentored a student nurse through her final placement.",
)
"""Offers on subjects no need here asks for."""

GENERIC_NEEDS = (
    "Busy week, nothing in particular.",
    "Nothing blocking me right now.",
    "Annual leave for most of the week.",
    "Too many meetings!",
    "Nothing new, same as last week.",
    "Just catching up after being off.",
    "All fine thanks.",
    "Not much, quiet week.",
    "Time. There's never enough of it.",
    "n/a",
)
GENERIC_OFFERS = (
    "Not much this week.",
    "Mostly firefighting, nothing to share.",
    "That rest matters!",
    "Nothing new to report.",
    "It was a good week for the team.",
    "Still learning the ropes.",
    "Same as last week.",
    "Patience, mostly.",
    "Nothing I can think of.",
    "n/a",
)

CONTEXTS = (
    "since the new system went live",
    "with winter pressures",
    "on nights and at weekends",
    "across both hospital sites",
    "now we're two staff down",
    "in the community",
    "for our patients",
    "this winter",
    "on the wards",
    "with the new structure",
)
"""Clauses anyone may add: the everyday vocabulary needs and offers share."""

NEED_OPENERS = ("", "", "", "Still: ", "Honestly, ", "This week: ", "Same as last week. ")
NEED_CLOSERS = (
    "",
    "",
    "",
    " Any ideas welcome.",
    " If anyone has cracked this, please shout.",
    " Would love a second pair of eyes.",
    " Any advice appreciated.",
)
OFFER_OPENERS = (
    "",
    "",
    "",
    "Small win: ",
    "Worth sharing: ",
    "Learned this week: ",
    "Proud of this: ",
)
OFFER_CLOSERS = (
    "",
    "",
    "",
    " Happy to share how.",
    " Happy to talk anyone through it.",
    " Ask me if it helps.",
    " Took a while but worth it.",
)

NEED_QUESTIONS = ("What are you stuck on?", "Where could you use help?")
OFFER_QUESTIONS = (
    "What did you learn this week?",
    "What are you working on that others could use?",
)

BANK = Bank(
    name="tuning",
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
