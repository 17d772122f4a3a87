/**
 * Frequent words of the Latin-script languages the language detector decides without n-gram
 * scoring: function words, pronouns, auxiliaries and the commonest verbs and adjectives of
 * social posts. Space-separated, lower-case. A word listed for several languages counts for
 * each with weight 1/n, so overlaps ("de", "no", "a") are allowed and expected.
 * Elided forms end with an apostrophe ("c'", "l'") and match any word they start.
 */
export const COMMON_WORDS: Record<string, string> = {
  en: [
    "the and is are was were be been being to of in it its it's this that these those with for you your",
    "you're my me mine we our us they their them he his him she her not no have has had having but on at",
    "i i'm i've i'll i'd im ive don't dont doesn't didn't can't cant won't wouldn't isn't wasn't aren't",
    'just so very really would could should will shall what which who whom whose why where when how there',
    'here than then too also only even still never always ever any some all each every both either',
    'from by about into over after before out up down off again more most much many such own same other',
    'do does did doing done can may might must get got gets getting go goes going gone went make made',
    'know think want need like love great good best better bad worse worst new thanks thank please',
    'lol omg yes yeah an a or if because though while until since one two first last way thing things',
    'something nothing anything everything someone people time day today year now well back see look',
    'come came take took give gave say said tell told use used work works working try tried buy bought',
    'nice awesome amazing terrible awful happy sad excellent product love loved loving hate',
  ].join(' '),
  es: [
    'de la que el en y los se del las un por con no una su para es al lo como más mas pero sus le ya',
    'o este sí porque esta entre cuando muy sin sobre también me hasta hay donde quien desde todo nos',
    'todos uno les ni contra otros ese eso ante ellos esto mí antes algunos qué unos yo otro otras otra',
    'él tanto esa estos mucho quienes nada muchos cual poco ella estar estas algunas algo nosotros mi',
    'mis tú te ti tu tus ellas está estoy estás están son fue ser era hace tiene tengo tienen bien',
    'gracias hola pues aquí así vez bueno buena malo mala mejor peor hoy siempre nunca también solo',
    'puede quiero hacer tiene muy',
  ].join(' '),
  fr: [
    'de la le et les des en un du une que est pour qui dans par plus pas au sur ne se ce il sont je ou',
    'mais avec nous vous son sa ses cette ces on leur elle été être avoir fait comme tout bien très aussi',
    "c' j' n' qu' l' d' m' s' t' moi toi ça mon ma mes ton ta tes aux ils elles était merci oui non rien",
    'encore alors donc toujours jamais trop peu beaucoup vraiment rien quand chez sans sous entre avant',
    'après ici suis es sommes êtes ont avait fais faire peut veux dit voir bon bonne mauvais pire',
  ].join(' '),
  de: [
    'der die und in den von zu das mit sich des auf für ist im dem nicht ein eine als auch es an werden',
    'aus er hat dass daß sie nach wird bei einer um am sind noch wie einem über einen so zum war haben',
    'nur oder aber vor zur bis mehr durch man sehr ich du wir ihr mein meine dein kein keine schon',
    'jetzt immer gut danke wirklich habe bin hier was wer warum doch mal heute gestern morgen wieder',
    'nichts alles viel viele ganz gar kann muss soll will wurde wurden gibt geht macht schlecht toll',
  ].join(' '),
  pt: [
    'de a o que e do da em um para é com não uma os no se na por mais as dos como mas foi ao ele das tem',
    'à seu sua ou ser quando muito há nos já está eu também só pelo pela até isso ela entre era depois',
    'sem mesmo aos ter seus quem nas me esse eles estão você tinha foram essa num nem suas meu às minha',
    'têm numa pelos elas havia seja qual será nós tenho lhe deles essas esses pelas este fosse dele tu',
    'te vocês vos meus minhas obrigado obrigada bom boa ruim melhor pior hoje sempre nunca aqui agora',
  ].join(' '),
  it: [
    'di e il la che è per un in non una con sono del mi si ma le da al lo ho della come anche io questo',
    'ha alla nel gli più cosa ci se tutto mio bene molto grazie ciao sei hai perché questa quello dei',
    'delle degli nella sempre ancora fatto essere stato siamo sono loro lui lei noi voi qui oggi buono',
    'buona brutto meglio peggio niente proprio',
  ].join(' '),
  nl: [
    'de het een en van ik te dat die in is niet zijn op aan met als voor er maar om hem dan zou of wat',
    'mijn men dit zo door over ze zich bij ook tot je mij uit daar haar naar heb hoe heeft hebben deze',
    'u want nog zal me zij nu geen omdat iets worden toch al waren veel meer doen toen moet ben zonder',
    'kan hun dus alles onder ja eens hier wie werd altijd wordt kunnen ons zelf tegen na wil kon niets',
    'uw iemand geweest andere heel goed bedankt slecht echt',
  ].join(' '),
};
