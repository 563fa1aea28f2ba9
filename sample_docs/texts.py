"""The words of the demo collection: fictional letters, reports and news written for Docket.

Every text here was written for this project. The people, places and events are invented,
shaped like the correspondence of a released archive (letters about family, money, media
work and caution), so that search, language tagging and news linking have real text to work
on. Nothing here is copied from any release.
"""

LETTER_EDUCATION_AR = """بسم الله الرحمن الرحيم

إلى الأخ الكريم محمود حفظه الله
السلام عليكم ورحمة الله وبركاته، أما بعد:

فقد وصلتني رسالتكم المؤرخة في العاشر من شهر رجب، وسرّني ما ذكرتم من أحوال الأهل والأولاد.
أوصيكم بتعليم الأبناء القرآن واللغة العربية والحساب، فإن التعليم هو الزاد الحقيقي للأجيال القادمة.
وقد أرسلت إليكم مع الرسول ثلاثة كتب في النحو والتاريخ، فاجعلوها في مكتبة البيت.

وأما مسألة المدرسة في القرية فأرى أن تنتظروا حتى يستقر الأمر بعد فصل الشتاء.
ونرجو أن تكتبوا إلينا بأخبار المحاصيل والأمطار، فقد بلغنا أن الموسم كان جيدا في الوادي.

والسلام عليكم ورحمة الله وبركاته
أخوكم يونس
"""

LETTER_COURIER_AR = """بسم الله الرحمن الرحيم

الأخ العزيز عبد الرحمن، السلام عليكم ورحمة الله

نكتب إليكم بخصوص الرسائل التي تأخرت في الطريق. لقد تأخر الرسول أكثر من شهرين بسبب إغلاق الطرق
في الجبال، ولذلك نطلب أن تكون الرسائل القادمة قصيرة وواضحة، وأن تكتب التواريخ بالتقويم الهجري والميلادي.
ولا تستعملوا الهاتف في الأمور الخاصة، فالحذر واجب، واحفظوا نسخة من كل رسالة في مكان آمن.

وقد وصلنا المبلغ المرسل، وهو ألفان وخمسمائة، وسنصرفه على حاجات البيت والدواء.

أخوكم في الله
محمود
"""

LETTER_HEALTH_AR_1256 = """بسم الله الرحمن الرحيم

إلى الوالدة الكريمة حفظها الله

السلام عليكم ورحمة الله وبركاته. نحمد الله على نعمة الصحة والعافية، ونسأل الله أن يشفيكم من المرض.
لقد أخبرنا الطبيب أن الدواء متوفر في المدينة، وسيحمله إليكم الأخ سالم في الأسبوع القادم.
والأطفال بخير، وقد بدأ الكبير منهم حفظ سورة البقرة، والصغير يتعلم الكتابة.
نرجو أن تدعي لنا، وأن تطمئنينا على أحوالكم في أول رسالة.

ابنكم المحب
خالد
"""

LETTER_MARKET_AR_8859 = """بسم الله الرحمن الرحيم

الأخ الفاضل سالم، السلام عليكم

أرسل إليك قائمة بما نحتاجه من السوق: الأرز والطحين والزيت والسكر والشاي، وكذلك الورق والحبر للكتابة.
الأسعار ارتفعت هذا الشهر، فاشتر ما يكفي لثلاثة أشهر إن استطعت.
وأرجو أن تحتفظ بالإيصالات حتى نراجع الحساب في آخر السنة.

والسلام
"""

LETTER_DIACRITICS_AR = """بِسْمِ اللَّهِ الرَّحْمَنِ الرَّحِيمِ

إِلَى الْأَخِ الْكَرِيمِ مَحْمُودٍ، السَّلَامُ عَلَيْكُمْ وَرَحْمَةُ اللَّهِ.
وَصَلَتْنِي رِسَالَتُكُمْ الْأَخِيرَةُ، وَفَرِحْتُ بِأَخْبَارِ الْمَكْتَبَةِ الْجَدِيدَةِ وَالْكُتُبِ الَّتِي جَمَعْتُمُوهَا.
نَرْجُو أَنْ تُرْسِلُوا إِلَيْنَا فِهْرِسَ الْمَخْطُوطَاتِ، فَإِنَّ حِفْظَ الْوَثَائِقِ أَمَانَةٌ.
"""

LETTER_POETRY_AR = """قصيدة في الغربة

يا دارُ أين الأهلُ والأحبابُ ... وأين من كانوا هنا وغابوا
طال الطريقُ وبعدت المنازلُ ... والقلبُ في شوقٍ له أسبابُ

كتبتها في ليلة شاتية، وأرسلها إلى الإخوة في المدينة لعلها تصل إليهم قبل العيد.
"""

LETTER_LIBRARY_AR = """بسم الله الرحمن الرحيم

تقرير قصير عن المكتبة

جمعنا في هذا العام أكثر من ثلاثمائة كتاب في التفسير والحديث والتاريخ والجغرافيا، ومعها مجلات قديمة
وخرائط للمنطقة. وقد رتبنا الكتب على الرفوف حسب الموضوع، وكتبنا فهرسا بخط اليد.
ونحتاج إلى صناديق لحفظ الأوراق من الرطوبة، وإلى نسخ إضافية من القواميس العربية والإنجليزية.
"""

LETTER_MEDIA_AR = """بسم الله الرحمن الرحيم

إلى لجنة الإعلام، السلام عليكم ورحمة الله

اطلعنا على مسودة الإصدار المرئي الجديد، ونرى أن مدته طويلة، ونقترح اختصاره إلى عشر دقائق.
كما نقترح ترجمة الكلمة إلى الإنجليزية والأردية، وأن يكون الصوت واضحا دون موسيقى.
ونرجو إرسال نسخة مكتوبة من النص قبل النشر بأسبوعين، حتى نراجع الأخطاء اللغوية.

والسلام عليكم
"""

LETTER_RECONCILIATION_AR = """بسم الله الرحمن الرحيم

الأخ الكريم أبو خالد، السلام عليكم

بلغنا ما وقع من خلاف بين القبيلتين حول الماء والأرض، ونرى أن الصلح خير، وأن يجتمع الشيوخ
في المسجد الكبير بعد صلاة الجمعة. ونقترح أن يكون التحكيم بيد القاضي عبد الله، فهو معروف بالعدل.
ولا تنسوا أن تكتبوا محضر الاجتماع وترسلوا إلينا نسخة منه.
"""

LETTER_PERSIAN = """به نام خدا

برادر عزیز، سلام علیکم

نامه شما رسید و از سلامتی خانواده خوشحال شدیم. زمستان امسال بسیار سرد بود و راه‌ها بسته شد،
به همین دلیل نامه‌ها دیر رسید. بچه‌ها در مدرسه فارسی و ریاضی می‌خوانند و حالشان خوب است.
لطفاً کتاب‌های تاریخ را که قول داده بودید با کاروان بعدی بفرستید.
ما منتظر خبرهای شما هستیم و برای شما دعا می‌کنیم.

با احترام
برادر شما، رضا
"""

LETTER_URDU = """بسم اللہ الرحمن الرحیم

محترم بھائی صاحب، السلام علیکم

آپ کا خط ملا، بہت خوشی ہوئی۔ یہاں سب خیریت سے ہیں۔ بچوں کی تعلیم جاری ہے اور وہ اردو اور انگریزی
دونوں زبانیں سیکھ رہے ہیں۔ بازار میں مہنگائی بہت بڑھ گئی ہے، آٹا اور چینی کی قیمت دگنی ہو گئی ہے۔
براہ کرم اگلے مہینے کا خرچ وقت پر بھیج دیں اور اپنی صحت کا خیال رکھیں۔

آپ کا بھائی
عمران
"""

LETTER_ENGLISH_TRANSLATION = """Translation of a letter in Arabic (archive item letter-001)

In the name of God, the Most Gracious, the Most Merciful

To the noble brother Mahmud, may God keep him
Peace be upon you. Your letter dated the tenth of Rajab reached me, and I was glad to hear news
of the family and the children. I urge you to teach the children the Quran, the Arabic language
and arithmetic, for education is the true provision for the coming generations. I have sent
three books on grammar and history with the courier; put them in the house library.

As for the village school, I think you should wait until matters settle after the winter.

Your brother, Yunus
"""

# Written by us for the demo, in the manner of the 2017 release's letters: a letter signed by
# bin Laden in Arabic, its English translation, and a report on al-Qaida and Iran whose Iran
# part is on its last page (the README's first examples find them; the reader pages through).
LETTER_BIN_LADEN_AR = """بسم الله الرحمن الرحيم

من أسامة بن لادن إلى الأخ الكريم الشيخ محمود، حفظه الله
السلام عليكم ورحمة الله وبركاته

وصلتني رسالتك المؤرخة في العشرين من شوال، وسرني أن أقرأ أن الإخوة بخير.
أما العائلات التي ما زالت في إيران فأرجو أن تتابع أمرها مع الوسطاء بهدوء، ولا تعطهم
أسماء ولا عناوين، فإن الرسائل عبر إيران بطيئة وغير مأمونة.
وأوصيك بتنظيم القاعدة خيرا: لا تجتمعوا في مكان واحد، ولا تحملوا الهواتف، وليكن
البريد عن طريق الرسول وحده في بطاقات الذاكرة، مرة كل شهر.
وبلغ سلامي لجنة الإعلام، وأخبرهم أن الكلمة المسجلة تأخرت حتى يتم تدقيقها.

والسلام عليكم ورحمة الله
أخوكم أبو عبد الله
أسامة بن لادن
"""

LETTER_BIN_LADEN_EN = """Translation of a letter in Arabic (archive item letter-025)

In the name of God, the Most Gracious, the Most Merciful

From Usama bin Laden to the noble brother Shaykh Mahmud, may God keep him
Peace be upon you, and the mercy of God and His blessings.

Your letter dated the twentieth of Shawwal reached me, and I was glad to read that the brothers
are well. As for the families who are still in Iran, follow their case with the intermediaries
quietly, and give them no names and no addresses: letters through Iran are slow and not safe.
I urge you to look after al-Qaida: do not gather in one place, do not carry telephones, and let
the post go only by the courier, on memory cards, once a month.
Give my greetings to the media committee, and tell them the recorded statement is delayed until
it has been checked.

Peace be upon you
Your brother, Abu Abdallah
Usama bin Laden
"""

REPORT_IRAN_EN_PAGES = [
    """Notes on the organisation, 2010
Prepared for the shura council

1. The state of the organisation
The brothers in the regions report that communications are slower than last year. The
council asked each region to send one summary a month by courier, written on paper, and
to keep no archive of older letters at home.

2. Training
Training has moved to small groups of three or four. No group meets twice in the same house.
""",
    """3. Money
The budget for the year is smaller than last year's. Salaries for the families come first,
then the media committee, then travel. Each region keeps two notebooks of expenses, one for
the council and one for its own use, and sends the council's copy every three months.

4. The media committee
The committee asks for a new camera and two laptops, and for fewer statements that are
better checked before they are released.
""",
    """5. Iran
The road through Iran is closed to the brothers of al-Qaida this year: two couriers were
stopped at the border near Zahedan and sent back, and the money they carried was lost. The
council decided that no courier and no money will travel through Iran until the road is
safe again, and that letters for the west go by the long road through Baluchistan instead,
even if they take two months.
""",
]

NOTE_SCAN_EN = """Courier schedule, winter

Letters leave on the first Thursday
of each month. Replies are expected
within six weeks. Keep copies of all
correspondence in the blue box.
"""

SCAN_LETTER_AR = """بسم الله الرحمن الرحيم
إلى الأخ الكريم سالم
السلام عليكم ورحمة الله
وصلت رسالتكم وفيها أخبار المطر
والمحصول في الوادي
نرجو أن تكتبوا إلينا قريبا
أخوكم محمود"""

REPORT_SECURITY_AR_PAGES = [
    """تقرير عن السلامة والاتصالات لعام 2009

مقدمة
يعرض هذا التقرير ملاحظات اللجنة على طرق الاتصال بين البيوت والمراكز خلال عام 2009،
ويقترح قواعد بسيطة لحفظ الرسائل والوثائق. وقد أعد التقرير في خمس صفحات.""",
    """أولا: الرسائل المكتوبة
تبين أن أكثر الرسائل تأخرت بسبب الطرق الجبلية، وأن بعضها ضاع في الطريق.
نوصي بترقيم الرسائل، وكتابة التاريخ الهجري والميلادي، والاحتفاظ بنسخة في الأرشيف.""",
    """ثانيا: الهاتف والإنترنت
نوصي بعدم استعمال الهاتف في الأمور الخاصة، وعدم حفظ الأسماء الكاملة في الأجهزة.
The committee notes that memory cards and USB drives were often lost or left unlabelled.""",
    """ثالثا: الأرشيف
يجب حفظ الوثائق في صناديق مغلقة بعيدا عن الرطوبة، مع فهرس يبين تاريخ كل وثيقة وموضوعها.
Archive boxes should carry a number and a date on the outside, never a name.""",
    """خاتمة
نرجو من الإخوة مراجعة هذه التوصيات في الاجتماع القادم، وإرسال ملاحظاتهم قبل نهاية شهر شوال.
اللجنة، ديسمبر 2009""",
]

REPORT_MEDIA_EN_PAGES = [
    """Media Committee Annual Report 2010

Summary
This report reviews the work of the media committee in 2010: eleven audio statements, four
video releases and two pamphlets in Urdu. It proposes a shorter production schedule and
translation of every release into English and Urdu.""",
    """1. Production
Audio statements were recorded in a quiet room and edited on two laptops. The average length
of a video release was twenty-two minutes, which the committee considers too long. A target of
ten minutes is proposed.""",
    """2. Translation and distribution
Translators worked from written scripts. Delays of up to three weeks came from the courier
system. The committee recommends that every script be sent in writing two weeks before
publication so that language errors can be corrected.""",
    """3. Archive
All master recordings are kept on labelled discs in the archive room, with a register of titles,
dates and speakers. Damaged discs should be copied before the end of the year.

Prepared by the media committee, December 2010""",
]

REPORT_PERSIAN_SUMMARY = """گزارش خلاصه درباره کتابخانه و آموزش

در این گزارش وضعیت کتابخانه و کلاس‌های آموزشی در سال ۱۳۸۹ بررسی می‌شود. تعداد کتاب‌ها به
سیصد جلد رسیده است و بیشتر آنها درباره تاریخ، جغرافیا و زبان عربی هستند.
کلاس‌های زبان انگلیسی هفته‌ای دو بار برگزار می‌شود. پیشنهاد می‌شود کتاب‌های درسی بیشتری خریداری شود
و یک فهرست کامل از همه کتاب‌ها تهیه گردد."""

PAMPHLET_URDU = """تعلیم کی اہمیت

یہ کتابچہ بچوں کی تعلیم کے بارے میں ہے۔ ہر گھر میں بچوں کو قرآن، اردو، ریاضی اور تاریخ پڑھانی چاہیے۔
کتابیں خریدنا مشکل ہو تو پرانی کتابیں ایک دوسرے سے بانٹ لیں۔ اساتذہ کو وقت پر تنخواہ دی جائے
تاکہ وہ دل سے پڑھائیں۔ تعلیم ہی آنے والی نسلوں کا اصل سرمایہ ہے۔"""

MIXED_NOTES = """Meeting notes / ملاحظات الاجتماع

The meeting discussed the library, the courier schedule and the budget for the winter.
ناقش الاجتماع المكتبة ومواعيد الرسول وميزانية الشتاء، واتفق الحاضرون على تقليل المصاريف.
Action: Salim will buy paper, ink and two dictionaries before the end of the month.
المطلوب: يشتري سالم الورق والحبر وقاموسين قبل نهاية الشهر.
"""

ODT_REPORT_AR = """تقرير الزراعة لعام 2011

كان موسم القمح جيدا هذا العام بسبب الأمطار الغزيرة في الربيع، وبلغ المحصول ضعف العام الماضي.
أما أشجار الرمان فقد أصابها مرض في الأوراق، ونحتاج إلى دواء خاص من المدينة.
ونقترح حفر بئر جديدة قرب الحقل الشرقي قبل الصيف."""

EMAIL_EN_BODY = """Dear Yunus,

Please find attached the media committee's annual report for 2010. The committee asks for
comments before the next meeting, especially on the proposal to shorten video releases to
ten minutes and to translate every release into English and Urdu.

Regards,
Hamza
"""

EMAIL_AR_BODY = """الأخ الكريم يونس، السلام عليكم

مرفق مع هذه الرسالة قائمة المصاريف لشهر ديسمبر، وفيها ثمن الأرز والطحين والدواء وأجرة الرسول.
نرجو مراجعة الحساب وإرسال الموافقة قبل نهاية الأسبوع.

أخوكم سالم
"""

ZIP_LETTERS = {
    "correspondence-2010/letter-a-ar.txt": """بسم الله الرحمن الرحيم
الأخ الكريم، السلام عليكم. نشكركم على الهدية التي وصلت مع القافلة، وقد وزعنا التمر على الجيران.
""",
    "correspondence-2010/letter-b-ar.txt": """بسم الله الرحمن الرحيم
إلى الأخ محمود: نرجو إرسال نسخة من فهرس المكتبة، ونسخة من تقرير الزراعة.
""",
    "correspondence-2010/letter-c-en.txt": """Note to the archive clerk: the letters of 2010 are
in this bundle, numbered a to c. The originals are kept in the blue box.
""",
}

TAR_FILES = {
    "bulletin/bulletin-ar.html": """<html lang="ar" dir="rtl"><head><meta charset="utf-8">
<title>النشرة الداخلية</title></head><body><h1>النشرة الداخلية</h1>
<p>أخبار الشهر: افتتاح المكتبة الجديدة، ووصول الدواء، وموعد الاجتماع القادم في المسجد الكبير.</p>
</body></html>""",
    "bulletin/readme-en.txt": "Internal bulletin, Arabic, one issue. Filed by the archive clerk.\n",
}

SEVEN_ZIP_FILES = {
    "notes/note-fa.txt": "یادداشت: جلسه بعدی روز پنجشنبه در کتابخانه برگزار می‌شود.\n",
    "notes/note-ar.txt": "ملاحظة: الاجتماع القادم يوم الخميس في المكتبة.\n",
}

HTML_LETTER_AR = """<!DOCTYPE html>
<html lang="ar" dir="rtl"><head><meta charset="utf-8"><title>رسالة إلى الإخوة في المدينة</title>
<meta name="author" content="يونس"><meta name="date" content="2010-03-14"></head>
<body><h1>رسالة إلى الإخوة في المدينة</h1>
<p>السلام عليكم ورحمة الله. نكتب إليكم من الوادي بعد انقطاع طويل، ونخبركم أن الطرق قد فتحت بعد الثلج.</p>
<p>نرجو أن ترسلوا إلينا الكتب والأدوية مع أول قافلة، وأن تكتبوا أسماء الأشياء بوضوح.</p>
<script>alert("this script must never run in Docket")</script>
</body></html>
"""

HTML_PERSIAN = """<!DOCTYPE html>
<html lang="fa" dir="rtl"><head><meta charset="utf-8"><title>نامه درباره مدرسه</title></head>
<body><p>سلام. مدرسه روستا بعد از زمستان دوباره باز شد و بچه‌ها به کلاس برگشتند.</p>
<p>معلم جدید زبان فارسی و عربی درس می‌دهد و کتابخانه کوچکی هم درست کرده است.</p></body></html>
"""

RTF_LETTER_AR = """بسم الله الرحمن الرحيم
الأخ الكريم خالد، السلام عليكم
وصلت الأوراق والكتب سالمة، وقد حفظناها في المكتبة. نرجو أن تخبرونا بموعد القافلة القادمة.
أخوكم يونس"""

DOCX_LETTER_AR = [
    "بسم الله الرحمن الرحيم",
    "إلى الأخ الكريم حمزة، مسؤول لجنة الإعلام",
    "السلام عليكم ورحمة الله. اطلعنا على التقرير السنوي للجنة، ونشكركم على الجهد الكبير.",
    "نوافق على اختصار الإصدارات المرئية إلى عشر دقائق، وعلى ترجمتها إلى الإنجليزية والأردية.",
    "ونرجو أن تحفظوا التسجيلات الأصلية في غرفة الأرشيف مع سجل بالعناوين والتواريخ.",
    "أخوكم يونس",
]

EXPENSES_ROWS = [
    ["Month", "Item", "Amount", "Notes"],
    ["2010-10", "Rice and flour", "1200", "Three months of stock"],
    ["2010-11", "Medicine", "800", "For the mother, from the city"],
    ["2010-11", "Courier fee", "300", "Letters to the valley"],
    ["2010-12", "Paper and ink", "150", "For the library"],
    ["2010-12", "Dictionaries", "400", "Arabic-English, two copies"],
]

AUDIO_SPEECH_AR = ("السلام عليكم ورحمة الله. هذه كلمة قصيرة عن أهمية التعليم وحفظ الكتب في المكتبة. "
                   "نسأل الله التوفيق للجميع.")
AUDIO_SPEECH_EN = ("This is a short recorded statement from the media committee about the "
                   "schedule of releases and the translation of every statement into Urdu.")

NEWS = {
    "news-en-01-education-letters.html": ("en", "Letters show a focus on children's schooling",
        "The Valley Herald", "Staff reporter", "2017-11-03", """<p>Among the files in the newly
released archive is a letter in Arabic, filed as <em>letter-001-ar.txt</em>, in which a writer who
signs himself Yunus urges a brother named Mahmud to teach the children "the Quran, the Arabic
language and arithmetic". The letter calls education "the true provision for the coming
generations", and an English translation (letter-012) sits beside it in the collection.</p>
<p>A second letter, a Word document addressed to Hamza of the media committee, approves cutting
video releases to ten minutes. Historians say the correspondence is more domestic than
expected: books, schools and the weather fill more lines than anything else.</p>"""),
    "news-en-02-security-report.html": ("en", "A five-page report on couriers and archives",
        "Archive Watch", "L. Morgan", "2017-11-05", """<p>A 5-page Arabic report dated December
2009, "تقرير عن السلامة والاتصالات لعام 2009", sets out how letters should be numbered, dated in
both calendars and copied into an archive. One passage in English warns that "memory cards and USB
drives were often lost or left unlabelled".</p><p>The report's advice to keep archive boxes
"numbered and dated, never named" echoes a separate scanned note about the courier schedule, in
which letters leave "on the first Thursday of each month".</p>"""),
    "news-ar-03-media-committee.html": ("ar", "تقرير لجنة الإعلام: إصدارات أقصر وترجمة إلى الأردية",
        "صحيفة الوادي", "قسم التحقيقات", "2017-11-06", """<p>يكشف التقرير السنوي للجنة الإعلام لعام
2010، وهو وثيقة إنجليزية من أربع صفحات، أن اللجنة أنتجت أحد عشر بيانا صوتيا وأربعة إصدارات مرئية،
واقترحت اختصار مدة الإصدار إلى عشر دقائق. وتضم الوثائق رسالة بريد إلكتروني أرسل فيها حمزة التقرير
إلى يونس طالبا ملاحظاته.</p><p>كما تتضمن المجموعة تسجيلا صوتيا قصيرا باللغة العربية عن أهمية التعليم
وحفظ الكتب في المكتبة.</p>"""),
    "news-ar-04-family-letters.txt": ("ar", "رسائل عائلية بالفارسية والأردية في الأرشيف",
        "مجلة الأرشيف", "س. الحداد", "2017-11-08", """تضم الوثائق المنشورة رسالة بالفارسية يكتب فيها
رجل اسمه رضا أن الطرق أغلقت بسبب برد الشتاء وأن الرسائل تأخرت، ويطلب إرسال كتب التاريخ مع القافلة
القادمة. وفي رسالة أخرى بالأردية يشكو كاتبها عمران من غلاء الدقيق والسكر في السوق.
ويقول باحثون إن هذه الرسائل تظهر تعدد اللغات في المراسلات: العربية والفارسية والأردية والإنجليزية."""),
    "news-en-05-expenses.txt": ("en", "Household accounts list rice, medicine and dictionaries",
        "The Ledger", "P. Okafor", "2017-11-10", """A spreadsheet of household expenses from late 2010
lists rice and flour, medicine "for the mother, from the city", a courier fee and two
Arabic-English dictionaries. An Arabic e-mail from a sender named Salim attaches the December
accounts and asks for approval "before the end of the week".

A letter written in the old Windows Arabic encoding asks a mother to wait for medicine that a
brother named Salim would carry the following week."""),
    "news-en-06-general-release.html": ("en", "Intelligence agency publishes a large archive",
        "World Desk", "Wire staff", "2017-11-01", """<p>An intelligence agency on Wednesday published
a large archive of files seized in a raid, including letters, reports, audio and video. Officials
said most of the material is in Arabic and that some files were withheld. Researchers expect
it to take months to read the collection.</p>"""),
}

# Written after the linking layers were tuned on NEWS, and not tuned on since: how the links
# generalise (bench/xref_eval.py --set holdout).
HOLDOUT_NEWS = {
    "holdout-en-01-mediation.txt": ("en", "Letters reveal tribal mediation and farm worries",
        "The Courier", "J. Mensah", "2017-11-12", """One Arabic letter, addressed to a man called Abu Khalid, urges two tribes quarrelling over water
and land to make peace. The writer proposes that the elders meet in the great mosque after
Friday prayers and that a judge named Abdullah, known for his fairness, arbitrate.

A separate farming report for 2011 records a wheat harvest twice the size of the previous year's
after heavy spring rain, and a disease attacking the leaves of the pomegranate trees."""),
    "holdout-ar-02-library.txt": ("ar", "مكتبة صغيرة بين الأوراق المنشورة", "نشرة المحفوظات",
        "ل. منصور", "2017-11-14", """تكشف رسالة عربية قصيرة أن القائمين على المكتبة جمعوا أكثر من ثلاثمائة كتاب في التفسير والتاريخ
والجغرافيا، ورتبوها على الرفوف حسب الموضوع وكتبوا لها فهرسا بخط اليد.

وفي تقرير بالفارسية عن المكتبة والتعليم أن عدد الكتب بلغ ثلاثمائة مجلد، وأن دروس اللغة الإنجليزية
تعقد مرتين في الأسبوع."""),
    "holdout-en-03-poem.txt": ("en", "A poem of exile and a pamphlet on schooling",
        "Evening Review", "K. Bose", "2017-11-15", """Among the lighter items is a short Arabic poem about exile, written on a winter night and sent
to brothers in the city in the hope that it would arrive before Eid.

An Urdu pamphlet argues that every household should teach its children the Quran, Urdu,
mathematics and history, and that teachers should be paid on time."""),
}
